import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { sweepSourceIps } from "@oemr-reg/core/privacy";
import { createDynamoRegistrationStore, newRegistration, register } from "@oemr-reg/core/registration";
import { cutIp } from "@oemr-reg/core/registration/source-ips";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { uniqueEmail } from "./support/serve.ts";

const db = createDocumentClient();
const tables = { registrationsTable: Resource.Registrations.name, stateTable: Resource.State.name };
const store = createDynamoRegistrationStore({ db, ...tables });
const DAY_MS = 86_400_000;
// Re-registrations of an opted-out address ask for a confirmation: none is read here.
const confirmations = { send: async () => {} };
const at = (start: Date, days: number) => new Date(start.getTime() + days * DAY_MS);
const sweep = (now: Date) => sweepSourceIps({ db, ...tables, now });
const ipsOf = async (email: string) => {
  const registration = await store.get(email);
  const history = await store.history(email);
  return {
    sourceIp: registration?.sourceIp,
    latestSourceIp: registration?.latestSourceIp,
    history: history.map(({ type, sourceIp, previousSourceIp }) => ({ type, sourceIp, previousSourceIp })),
  };
};

describe("cutIp", () => {
  it("cuts an IPv4 address to its /24 and an IPv6 one to its /48, as a CIDR, and leaves a cut one alone", () => {
    expect(cutIp("203.0.113.7")).toBe("203.0.113.0/24");
    expect(cutIp("::ffff:198.51.100.200")).toBe("198.51.100.0/24");
    expect(cutIp("2001:db8:abcd:12::1")).toBe("2001:db8:abcd::/48");
    expect(cutIp("203.0.113.0/24")).toBe("203.0.113.0/24");
    expect(cutIp("not an address")).toBeUndefined();
  });
});

describe("the source IP sweep", () => {
  it("keeps IPs whole for 30 days, then cuts each exactly once, in registrations and their history", async () => {
    const start = new Date();
    const [reporter, returner, odd] = ["reporter", "returner", "odd"].map((name) => uniqueEmail(name).toLowerCase());
    // The reporter registers from an IPv4 address, then reports an upgrade from an IPv6 one.
    await register(store, { email: reporter! }, { sourceIp: "203.0.113.7", now: start, confirmations });
    await register(
      store,
      { email: reporter!, version: "7.0.3" },
      { sourceIp: "2001:db8:abcd:12::1", now: at(start, 0.1), confirmations },
    );
    // The returner opted out, and registers again from another address: its history keeps both.
    await store.add({
      ...newRegistration({ email: returner! }, { sourceIp: "198.51.100.9", now: start }),
      status: "unsubscribed",
    });
    await register(store, { email: returner! }, { sourceIp: "198.51.100.77", now: at(start, 0.2), confirmations });
    // Stored by a path that gave no readable IP: it cannot be cut, so it is dropped.
    await register(store, { email: odd! }, { sourceIp: "not-an-ip", now: start, confirmations });
    const counts = await store.counts();
    const whole = { reporter: await ipsOf(reporter!), returner: await ipsOf(returner!) };
    expect(whole.reporter).toEqual({
      sourceIp: "203.0.113.7",
      latestSourceIp: "2001:db8:abcd:12::1",
      history: [
        { type: "Registered", sourceIp: "203.0.113.7" },
        { type: "Reported", sourceIp: "2001:db8:abcd:12::1" },
      ],
    });
    expect(whole.returner.history).toEqual([
      { type: "Registered", sourceIp: "198.51.100.9" },
      { type: "Reregistered", sourceIp: "198.51.100.77", previousSourceIp: "198.51.100.9" },
    ]);

    const early = await sweep(at(start, 29));
    expect(early).toMatchObject({ registrationIps: 0, historyIps: 0 });
    expect(await ipsOf(reporter!)).toEqual(whole.reporter);
    expect(await ipsOf(returner!)).toEqual(whole.returner);

    const due = await sweep(at(start, 31));
    expect(due).toMatchObject({ registrationIps: 4, historyIps: 3 });
    expect(await store.get(odd!)).not.toHaveProperty("sourceIp");
    expect(due.scanned).toBeGreaterThanOrEqual(2);
    expect(await ipsOf(reporter!)).toEqual({
      sourceIp: "203.0.113.0/24",
      latestSourceIp: "2001:db8:abcd::/48",
      history: [
        { type: "Registered", sourceIp: "203.0.113.0/24" },
        { type: "Reported", sourceIp: "2001:db8:abcd::/48" },
      ],
    });
    expect(await ipsOf(returner!)).toEqual({
      sourceIp: "198.51.100.0/24",
      latestSourceIp: undefined,
      history: [
        { type: "Registered", sourceIp: "198.51.100.0/24" },
        { type: "Reregistered", sourceIp: "198.51.100.0/24", previousSourceIp: "198.51.100.0/24" },
      ],
    });

    // Re-runs, the same day and later, find nothing left to cut; the counts never moved.
    for (const days of [31, 32, 400])
      expect(await sweep(at(start, days))).toMatchObject({ whole: 0, registrationIps: 0, historyIps: 0 });
    expect(await store.counts()).toEqual(counts);
  });

  it("never cuts the new IP of a re-registration that replaces the old one while the sweep runs", async () => {
    const start = new Date();
    const emails = Array.from({ length: 30 }, (_, i) => uniqueEmail(`returner${i}`).toLowerCase());
    for (const email of emails)
      await store.add({
        ...newRegistration({ email }, { sourceIp: "203.0.113.60", now: start }),
        status: "unsubscribed",
      });
    const counts = await store.counts();
    const later = at(start, 31);
    // The same field: the sweep cuts the old IP only while it is still the one it read.
    await Promise.all([
      sweep(later),
      ...emails.map((email) => register(store, { email }, { sourceIp: "192.0.2.61", now: later, confirmations })),
    ]);
    for (const email of emails) {
      const { sourceIp, history } = await ipsOf(email);
      expect(sourceIp).toBe("192.0.2.61");
      // The re-registration kept the IP it replaced, whole or already cut, and the sweep's next day cuts it.
      expect(history.at(-1)).toMatchObject({ type: "Reregistered", sourceIp: "192.0.2.61" });
      expect(["203.0.113.60", "203.0.113.0/24"]).toContain(history.at(-1)!.previousSourceIp);
    }
    expect(await store.counts()).toEqual(counts);
    await sweep(at(start, 32));
    for (const email of emails) {
      const { sourceIp, history } = await ipsOf(email);
      expect(sourceIp).toBe("192.0.2.61");
      expect(history.map((entry) => entry.previousSourceIp ?? entry.sourceIp)).toEqual([
        "203.0.113.0/24",
        "203.0.113.0/24",
      ]);
    }
  });

  it("loses no registration that writes while the sweep cuts, under the conflict rules", async () => {
    const start = new Date();
    const emails = Array.from({ length: 12 }, (_, i) => uniqueEmail(`racer${i}`).toLowerCase());
    for (const email of emails)
      await register(store, { email }, { sourceIp: "203.0.113.50", now: start, confirmations });
    const counts = await store.counts();
    const later = at(start, 31);
    // Each address reports an upgrade from a new address while the sweep of the same day runs.
    const [swept] = await Promise.all([
      sweep(later),
      ...emails.map((email) =>
        register(store, { email, version: "7.0.4" }, { sourceIp: "192.0.2.44", now: later, confirmations }),
      ),
    ]);
    expect(swept.historyIps).toBe(0);
    for (const email of emails) {
      const registration = await store.get(email);
      // The first registration's IP is cut; the report's, stored today, stays whole with its version.
      expect(registration).toMatchObject({
        sourceIp: "203.0.113.0/24",
        latestSourceIp: "192.0.2.44",
        latestVersion: "7.0.4",
      });
    }
    expect(await store.counts()).toEqual(counts);
    // The report's IP is cut 30 days after it, once (the other tests' addresses are due that day too).
    const due = await sweep(at(start, 62));
    expect(due.registrationIps).toBeGreaterThanOrEqual(emails.length);
    expect(due.historyIps).toBeGreaterThanOrEqual(emails.length);
    for (const email of emails) {
      const { latestSourceIp, history } = await ipsOf(email);
      expect(latestSourceIp).toBe("192.0.2.0/24");
      expect(history.map((entry) => entry.sourceIp)).toEqual(["203.0.113.0/24", "192.0.2.0/24"]);
    }
    expect(await sweep(at(start, 62))).toMatchObject({ whole: 0, registrationIps: 0, historyIps: 0 });
  });
});
