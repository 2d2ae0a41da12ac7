import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { createAuditLog } from "@oemr-reg/core/audit";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { CONFIRMATION_SUBJECT } from "@oemr-reg/core/email";
import { createAddressHasher, createAddressItems } from "@oemr-reg/core/privacy";
import { createDynamoRegistrationStore, maskEmail } from "@oemr-reg/core/registration";
import { ADDRESS_ITEM_KINDS, suppressionKey } from "@oemr-reg/core/state/keys";
import { signToken } from "@oemr-reg/core/tokens";
import { app } from "@oemr-reg/functions/api";
import { handler as sesEventsHandler } from "@oemr-reg/functions/ses-events";
import { SIMULATOR_DOMAIN } from "@oemr-reg/local/simulator-events";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { postForm, postJson, serveForFile } from "./support/serve.ts";
import { snsEvent } from "./support/ses-events.ts";
import { emailsWithSubject, eventually, runStackConsumers, untilBroadcastDone } from "./support/stack.ts";

const base = await serveForFile(app);
await runStackConsumers();
const db = createDocumentClient();
const tables = { registrationsTable: Resource.Registrations.name, stateTable: Resource.State.name };
const store = createDynamoRegistrationStore({ db, ...tables });
const items = createAddressItems({ db, stateTable: tables.stateTable });
const audit = createAuditLog({ db, stateTable: tables.stateTable, retentionDays: 730 });
const KEY = Resource.UnsubscribeKey.value;
const PIN = Resource.SecretPin.value;
const tag = () => crypto.randomUUID().slice(0, 8);

type Item = Record<string, unknown>;
async function scan(table: string): Promise<Item[]> {
  const found: Item[] = [];
  let cursor: Item | undefined;
  do {
    const page = await db.send(new ScanCommand({ TableName: table, ExclusiveStartKey: cursor, ConsistentRead: true }));
    found.push(...(page.Items ?? []));
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return found;
}
/** Every item of both tables that names the address in any letter case. */
const naming = async (email: string) =>
  [...(await scan(tables.registrationsTable)), ...(await scan(tables.stateTable))].filter((item) =>
    JSON.stringify(item).toLowerCase().includes(email.toLowerCase()),
  );

const counts = async () => (await (await fetch(`${base}/api/registration/unique`)).json()) as Item;
const privacyPage = async (email: string, claims: { expiresAt?: number } = {}) =>
  `${base}/api/registration/privacy/${await signToken(KEY, { purpose: "unsubscribe", email, ...claims })}`;
const register = async (email: string) =>
  expect((await postForm(`${base}/api/registration`, { email })).status).toBe(201);
const boardErase = (email: string) => postJson(`${base}/api/registration/erase`, { secretPin: PIN, email });

/** `count` and `active` as the Registrations table has them: they must always agree. */
async function listed() {
  const all = await scan(tables.registrationsTable);
  return { count: all.length, active: all.filter((item) => item.status === "active").length };
}

async function broadcast(title: string) {
  const started = await postJson(`${base}/api/registration/broadcast`, { secretPin: PIN, title, contents: "Hi" });
  expect(started.status).toBe(200);
  const { broadcastId } = (await started.json()) as { broadcastId: string };
  return untilBroadcastDone(base, PIN, broadcastId);
}

// The address as its owner typed it; the simulator's success address, so SES events come back for it.
const owner = `Success+Owner-${tag()}@${SIMULATOR_DOMAIN}`;
const normalized = owner.toLowerCase();
const other = `success+other-${tag()}@${SIMULATOR_DOMAIN}`;

describe("the owner's export and erase", () => {
  it("exports every stored item of the address, found by state/keys.ts' kinds, and nothing of others", async () => {
    await register(owner);
    await register(other);
    // The same address in other letters: a duplicate, nothing stored.
    expect((await postForm(`${base}/api/registration`, { email: owner.toUpperCase() })).status).toBe(409);
    const sent = await broadcast(`Privacy ${tag()}`);
    expect(sent.sent).toBeGreaterThanOrEqual(2);
    // An SES event about the email sent to it, into its history.
    const { delivery } = await items.find(normalized);
    const sesMessageId = delivery[0]!.sesMessageId as string;
    await sesEventsHandler(snsEvent(normalized, sesMessageId));
    await eventually(async () => ((await items.find(normalized)).sesEvent.length ? true : undefined), 10_000, "event");

    const response = await fetch(`${await privacyPage(owner)}/download`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toMatch(/^attachment; filename="openemr-registration-/);
    const text = await response.text();
    const exported = JSON.parse(text) as { registration: Item; items: Record<string, Item[]> };
    expect(Object.keys(exported.items).sort()).toEqual(Object.keys(ADDRESS_ITEM_KINDS).sort());
    for (const kind of ["delivery", "sesMessage", "sesEvent"]) expect(exported.items[kind]!.length).toBeGreaterThan(0);
    const inExport = new Set([
      JSON.stringify(exported.registration),
      ...Object.values(exported.items)
        .flat()
        .map((item) => JSON.stringify(item)),
    ]);
    const stored = await naming(normalized);
    expect(stored.length).toBe(inExport.size);
    const keyOf = (item: Item) => `${item.pk ?? ""}|${item.sk ?? ""}|${item.email}`;
    const exportedKeys = [exported.registration, ...Object.values(exported.items).flat()].map(keyOf).sort();
    expect(exportedKeys).toEqual(stored.map(keyOf).sort());
    expect(text.toLowerCase()).not.toContain(other.toLowerCase());
  });

  it("erases: no item names the address in any form, the counts stay exact, twice is no error", async () => {
    const before = await counts();
    const page = await privacyPage(owner);
    const erased = await postForm(`${page}/erase`, { erase: "yes" });
    expect(erased.status).toBe(200);
    expect(await erased.text()).toContain("erased");
    for (const form of [owner, normalized, owner.toLowerCase()]) expect(await naming(form)).toEqual([]);
    expect(await counts()).toEqual({ count: (before.count as number) - 1, active: (before.active as number) - 1 });
    expect(await counts()).toEqual(await listed());
    const again = await boardErase(owner);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ erased: false, deleted: 0, left: 0 });
    expect(await counts()).toEqual(await listed());
    // What stays is a keyed hash, not the address.
    const [hash] = createAddressHasher([KEY])(owner);
    expect((await scan(tables.stateTable)).filter(({ pk }) => pk === suppressionKey(hash!).pk)).toHaveLength(1);
  });

  it("skips the erased address in the next broadcast; registering it again waits for confirmation", async () => {
    const done = await broadcast(`After erase ${tag()}`);
    expect((await items.find(normalized)).delivery).toEqual([]);
    expect(done.recipients).toBe((await listed()).active);
    const before = await counts();
    await register(owner);
    const pending = await store.get(normalized);
    expect(pending?.status).toBe("unsubscribed");
    expect(await counts()).toEqual({ count: (before.count as number) + 1, active: before.active });
    const mail = await eventually(
      async () =>
        (await emailsWithSubject(CONFIRMATION_SUBJECT)).find((email) =>
          email.destination.to.some((to) => to.toLowerCase().includes(normalized)),
        ),
      10_000,
      "the confirmation email",
    );
    // Its owner's page is linked from it too, in both parts, with the unsubscribe links' token.
    const yours = new URL(/Your data: (\S+)/.exec(mail.body.text ?? "")![1]!).pathname;
    expect(yours).toMatch(/^\/api\/registration\/privacy\/[\w.-]+$/);
    expect(mail.body.html).toContain(`href="${Resource.Settings.publicUrl}${yours}"`);
    const ownersPage = await fetch(`${base}${yours}`);
    expect(ownersPage.status).toBe(200);
    expect(await ownersPage.text()).toContain(owner);
    const download = await fetch(`${base}${yours}/download`);
    expect(((await download.json()) as { registration: Item }).registration).toMatchObject({ status: "unsubscribed" });
    const confirm = /(\/api\/registration\/confirm\/[\w.-]+)/.exec(mail.body.text ?? "")![1];
    expect((await postForm(`${base}${confirm}`, { confirm: "yes" })).status).toBe(200);
    expect((await store.get(normalized))?.status).toBe("active");
    expect(await counts()).toEqual(await listed());
  });

  it("records the owner's download and erase in the audit log: the owner, the address masked, the IP cut", async () => {
    const email = `Audited-${tag()}@clinic.example.org`;
    await register(email);
    const since = new Date().toISOString();
    const page = await privacyPage(email);
    expect((await fetch(`${page}/download`)).status).toBe(200);
    expect((await postForm(`${page}/erase`, { erase: "yes" })).status).toBe(200);
    const ownRecords = async (action: string) =>
      (await audit.page({ action, since })).records.filter(
        (record) => record.object === maskEmail(email.toLowerCase()),
      );
    for (const action of ["address.exported", "address.erased"]) {
      const [record, ...more] = await ownRecords(action);
      expect(more).toEqual([]);
      expect(record).toMatchObject({ actor: { kind: "owner" }, action, object: "a***@clinic.example.org" });
      // Its network only: the log is kept far longer than an IP stays whole.
      expect(record!.ip).toMatch(/^[\d.]+\/24$|^[\da-f:]+\/48$/);
      expect(JSON.stringify(record).toLowerCase()).not.toContain(email.toLowerCase());
    }
    expect((await audit.verify()).ok).toBe(true);
  });

  it("changes nothing for a forged or expired token, or a POST another site sent", async () => {
    const email = `forged-${tag()}@clinic.example.org`;
    await register(email);
    const since = new Date().toISOString();
    const real = await privacyPage(email);
    const forged = `${real.slice(0, -4)}AAAA`;
    const expired = await privacyPage(email, { expiresAt: Math.floor(Date.now() / 1000) - 60 });
    for (const url of [forged, expired]) {
      expect((await fetch(url)).status).toBe(400);
      expect((await fetch(`${url}/download`)).status).toBe(400);
      expect((await postForm(`${url}/erase`, { erase: "yes" })).status).toBe(400);
      expect((await postForm(`${url}/unsubscribe`, { "List-Unsubscribe": "One-Click" })).status).toBe(400);
    }
    const crossSite = await fetch(`${real}/erase`, {
      method: "POST",
      body: new URLSearchParams({ erase: "yes" }),
      headers: { "Sec-Fetch-Site": "cross-site", Origin: "https://evil.example" },
    });
    expect(crossSite.status).toBe(403);
    expect((await postForm(`${real}/erase`, { erase: "no" })).status).toBe(400);
    // None of those was the owner's: the audit log has no record of them.
    const owners = (await audit.page({ since })).records.filter((record) => record.actor.kind === "owner");
    expect(owners.filter((record) => record.object === maskEmail(email.toLowerCase()))).toEqual([]);
    expect((await boardErase(email)).status).toBe(200); // the board's route, with the PIN
    expect((await postJson(`${base}/api/registration/erase`, { secretPin: "wrong", email })).status).toBe(401);
    expect(await store.get(email)).toBeUndefined();
  });

  it("keeps count and active exact under concurrent erases, registrations and unsubscribes", async () => {
    const addresses = Array.from({ length: 4 }, () => `race-${tag()}@clinic.example.org`);
    for (const email of addresses) await register(email);
    for (let round = 0; round < 4; round++) {
      await Promise.all(
        addresses.flatMap((email) => [
          // The board's route (at most 5 PIN requests in flight) and the owner's page at once.
          boardErase(email).then((response) => expect(response.status).toBe(200)),
          privacyPage(email).then(async (page) =>
            expect((await postForm(`${page}/erase`, { erase: "yes" })).status).toBe(200),
          ),
          // 409 when it is still active: registered before the erases.
          postForm(`${base}/api/registration`, { email }).then((response) =>
            expect([201, 409]).toContain(response.status),
          ),
          privacyPage(email).then(async (page) =>
            expect((await postForm(`${page}/unsubscribe`, { "List-Unsubscribe": "One-Click" })).status).toBe(200),
          ),
        ]),
      );
      expect(await counts()).toEqual(await listed());
    }
    // Each ends erased or registered again behind a confirmation: none is mailed without it.
    for (const email of addresses) expect((await store.get(email))?.status ?? "erased").not.toBe("active");
  }, 60_000);
});
