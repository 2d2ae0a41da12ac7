import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { CONFIRMATION_SUBJECT } from "@oemr-reg/core/email";
import {
  ConfirmationNotSentError,
  createDynamoRegistrationStore,
  type ListChange,
  type Registration,
  register,
} from "@oemr-reg/core/registration";
import { applySesEvent, createDynamoSesEventStore } from "@oemr-reg/core/ses-events";
import { signToken } from "@oemr-reg/core/tokens";
import { app } from "@oemr-reg/functions/api";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { postForm, postJson, serveForFile, uniqueEmail } from "./support/serve.ts";
import { emailsWithSubject, eventually, runStackConsumers, untilBroadcastDone } from "./support/stack.ts";

const base = await serveForFile(app);
await runStackConsumers();
const db = createDocumentClient();
const tables = { registrationsTable: Resource.Registrations.name, stateTable: Resource.State.name };
const store = createDynamoRegistrationStore({ db, ...tables });
const KEY = Resource.UnsubscribeKey.value;
const PIN = Resource.SecretPin.value;
const ONE_CLICK = { "List-Unsubscribe": "One-Click" };

async function registered(email: string): Promise<string> {
  const response = await postForm(`${base}/api/registration`, { email });
  expect(response.status).toBe(201);
  return ((await response.json()) as { productId: string }).productId;
}

async function counts(): Promise<{ count: number; active: number }> {
  const response = await fetch(`${base}/api/registration/unique`);
  expect(response.status).toBe(200);
  return (await response.json()) as { count: number; active: number };
}

const unsubscribeUrl = async (email: string) =>
  `${base}/api/registration/unsubscribe/${await signToken(KEY, { purpose: "unsubscribe", email })}`;

/** POSTs a form without following redirects, as a mailbox provider's one-click request would. */
function post(url: string, fields: Record<string, string> = ONE_CLICK): Promise<Response> {
  return fetch(url, { method: "POST", body: new URLSearchParams(fields), redirect: "manual" });
}

const stored = (email: string): Promise<Registration | undefined> => store.get(email.toLowerCase());
const changes = async (email: string): Promise<string[]> =>
  (await store.history(email.toLowerCase())).map((change: ListChange) => `${change.type}:${change.to}`);

function expectPageHeaders(response: Response): void {
  expect(response.headers.get("content-type")).toMatch(/^text\/html/);
  const csp = response.headers.get("content-security-policy") ?? "";
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("form-action 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+'/);
  expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  expect(response.headers.get("referrer-policy")).toBe("no-referrer");
  expect(response.headers.get("set-cookie")).toBeNull();
  expect(response.headers.get("location")).toBeNull();
}

async function confirmationsTo(email: string) {
  const all = await emailsWithSubject(CONFIRMATION_SUBJECT);
  return all.filter((sent) => sent.destination.to.some((to) => to.toLowerCase().includes(email.toLowerCase())));
}

/** The confirmation emails sent to an address, once there is one. */
function confirmationMails(email: string) {
  return eventually(
    async () => {
      const sent = await confirmationsTo(email);
      return sent.length ? sent : undefined;
    },
    10_000,
    "the confirmation email",
  );
}

function confirmPath(text: string | undefined): string {
  const link = /https:\/\/reg\.test\.example\.org(\/api\/registration\/confirm\/[\w.-]+)/.exec(text ?? "");
  expect(link).not.toBeNull();
  return link![1]!;
}

async function broadcastTo(title: string): Promise<string[]> {
  const started = await postJson(`${base}/api/registration/broadcast`, {
    secretPin: PIN,
    title,
    contents: "Upgrade now.",
  });
  expect(started.status).toBe(200);
  const { broadcastId } = (await started.json()) as { broadcastId: string };
  await untilBroadcastDone(base, PIN, broadcastId);
  return (await emailsWithSubject(title)).map((sent) => sent.destination.to[0]!.toLowerCase());
}

/** What SES reports when `email` will never take mail, as the SES events handler reads it. */
const permanentBounce = (email: string) => ({
  type: "Bounce" as const,
  email: email.toLowerCase(),
  sesMessageId: crypto.randomUUID(),
  occurredAt: new Date().toISOString(),
  broadcastId: undefined,
  diagnostic: "smtp; 550 5.1.1 user unknown",
  bounceType: "Permanent" as const,
  bounceSubType: "General",
  status: "5.1.1",
});

describe("GET /api/registration/unsubscribe/:token", () => {
  it("shows the address, escaped, and a button that posts back, and changes nothing", async () => {
    const email = uniqueEmail("o'brien");
    await registered(email);
    const before = await counts();
    const response = await fetch(await unsubscribeUrl(email), { redirect: "manual" });
    expect(response.status).toBe(200);
    expectPageHeaders(response);
    const page = await response.text();
    expect(page).toContain(email.replace("'", "&#39;"));
    expect(page).toMatch(/<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">/);
    expect((await stored(email))?.status).toBe("active");
    expect(await counts()).toEqual(before);
  });
});

describe("POST /api/registration/unsubscribe/:token", () => {
  it(
    "unsubscribes at once on List-Unsubscribe=One-Click: " + "status and time, history, active down, count kept",
    async () => {
      const email = uniqueEmail("oneclick");
      await registered(email);
      const before = await counts();
      const response = await post(await unsubscribeUrl(email));
      expect(response.status).toBe(200);
      expectPageHeaders(response);
      expect(await response.text()).toContain("will get no more OpenEMR announcements");

      const registration = await stored(email);
      expect(registration).toMatchObject({ status: "unsubscribed" });
      expect(Date.parse(registration!.unsubscribedAt!)).toBeGreaterThan(Date.now() - 60_000);
      expect(registration!.statusChangedAt).toBe(registration!.unsubscribedAt);
      expect(await changes(email)).toEqual(["Registered:active", "Unsubscribed:unsubscribed"]);
      expect(await counts()).toEqual({ count: before.count, active: before.active - 1 });
    },
  );

  it("answers 200 to a second unsubscribe and changes nothing more", async () => {
    const email = uniqueEmail("twice");
    await registered(email);
    const url = await unsubscribeUrl(email);
    expect((await post(url)).status).toBe(200);
    const after = await counts();
    expect((await post(url)).status).toBe(200);
    expect(await counts()).toEqual(after);
    expect(await changes(email)).toEqual(["Registered:active", "Unsubscribed:unsubscribed"]);
  });

  it("accepts the one-click body as multipart/form-data too, as RFC 8058 allows", async () => {
    const email = uniqueEmail("multipart");
    await registered(email);
    const form = new FormData();
    form.set("List-Unsubscribe", "One-Click");
    const response = await fetch(await unsubscribeUrl(email), { method: "POST", body: form, redirect: "manual" });
    expect(response.status).toBe(200);
    expect((await stored(email))?.status).toBe("unsubscribed");
  });

  it("answers a 400 page and changes nothing without the one-click body", async () => {
    const email = uniqueEmail("nobody");
    await registered(email);
    const url = await unsubscribeUrl(email);
    for (const init of [
      {},
      { body: new URLSearchParams({ "List-Unsubscribe": "Yes" }) },
      { body: "List-Unsubscribe=One-Click" },
    ]) {
      const response = await fetch(url, { method: "POST", redirect: "manual", ...init });
      expect(response.status).toBe(400);
      expectPageHeaders(response);
    }
    expect((await stored(email))?.status).toBe("active");
  });

  it("answers a 400 page to tampered, foreign and garbage tokens, and changes nothing", async () => {
    const email = uniqueEmail("tampered");
    await registered(email);
    const before = await counts();
    const token = await signToken(KEY, { purpose: "unsubscribe", email });
    const flipped = token.slice(0, -1) + (token.endsWith("A") ? "B" : "A");
    const [payload, mac] = token.split(".");
    const otherPayload = Buffer.from(JSON.stringify({ e: uniqueEmail("victim").toLowerCase() })).toString("base64url");
    const bad = [
      flipped,
      `${otherPayload}.${mac}`,
      `${payload}`,
      await signToken("another-key", { purpose: "unsubscribe", email }),
      await signToken(KEY, { purpose: "confirm", email }),
      "garbage",
      "x".repeat(2_000),
      "%3Cscript%3E",
    ];
    for (const candidate of bad) {
      const url = `${base}/api/registration/unsubscribe/${candidate}`;
      for (const response of [await fetch(url, { redirect: "manual" }), await post(url)]) {
        expect(response.status, candidate.slice(0, 40)).toBe(400);
        expectPageHeaders(response);
        const page = await response.text();
        expect(page).toContain("This link is not valid");
        expect(page).not.toContain("<script>");
      }
    }
    expect((await stored(email))?.status).toBe("active");
    expect(await counts()).toEqual(before);
  });

  it("unsubscribes only the address its token carries", async () => {
    const [mine, other] = [uniqueEmail("mine"), uniqueEmail("other")];
    await registered(mine);
    await registered(other);
    expect((await post(await unsubscribeUrl(mine))).status).toBe(200);
    expect((await stored(mine))?.status).toBe("unsubscribed");
    expect((await stored(other))?.status).toBe("active");
  });

  it("answers 200 for a valid token whose address is not registered, and creates nothing", async () => {
    const email = uniqueEmail("stranger");
    expect((await post(await unsubscribeUrl(email))).status).toBe(200);
    expect(await stored(email)).toBeUndefined();
  });
});

describe("an unsubscribe through a broadcast's email", () => {
  /** The link in the email `title` sent to `email`, and that broadcast's figures. */
  async function linkFrom(email: string, title: string) {
    const distribution = `unsub-${crypto.randomUUID()}`;
    expect((await postForm(`${base}/api/registration`, { email, distribution })).status).toBe(201);
    const started = await postJson(`${base}/api/registration/broadcast`, {
      secretPin: PIN,
      title,
      contents: "Upgrade now.",
      audience: { distributions: [distribution] },
    });
    expect(started.status).toBe(200);
    const { broadcastId } = (await started.json()) as { broadcastId: string };
    await untilBroadcastDone(base, PIN, broadcastId);
    const [sent] = await emailsWithSubject(title);
    const link = /https:\/\/reg\.test\.example\.org(\/api\/registration\/unsubscribe\/[\w.-]+)/.exec(
      sent?.body.text ?? "",
    );
    expect(link).not.toBeNull();
    const figures = async () => {
      const response = await fetch(`${base}/api/registration/broadcast/${broadcastId}`, {
        headers: { "X-Secret-Pin": PIN },
      });
      return (await response.json()) as { unsubscribes: number; sent: number };
    };
    return { url: `${base}${link![1]}`, figures, broadcastId };
  }

  it("counts once on that broadcast, and a second click nothing more", async () => {
    const email = uniqueEmail("fromlink");
    const { url, figures } = await linkFrom(email, `Unsubscribe counted ${crypto.randomUUID()}`);
    expect(await figures()).toMatchObject({ sent: 1, unsubscribes: 0 });
    // The page's button posts the same form to the same link as a mailbox provider's one-click request.
    expect(await (await fetch(url)).text()).toContain('name="List-Unsubscribe" value="One-Click"');
    expect((await post(url)).status).toBe(200);
    expect((await stored(email))?.status).toBe("unsubscribed");
    expect(await figures()).toMatchObject({ unsubscribes: 1 });
    expect((await post(url)).status).toBe(200);
    expect(await figures()).toMatchObject({ unsubscribes: 1 });
    expect((await store.history(email.toLowerCase())).at(-1)).toMatchObject({ type: "Unsubscribed" });
  });

  it("counts nowhere through a link without a broadcast, as in mail sent before links named theirs", async () => {
    const email = uniqueEmail("oldlink");
    const { figures } = await linkFrom(email, `Unsubscribe old link ${crypto.randomUUID()}`);
    expect((await post(await unsubscribeUrl(email))).status).toBe(200);
    expect((await stored(email))?.status).toBe("unsubscribed");
    expect(await figures()).toMatchObject({ unsubscribes: 0 });
  });

  it("does not count an address that was no longer active (it bounced) when its owner clicked", async () => {
    const email = uniqueEmail("bouncedlink");
    const { url, figures } = await linkFrom(email, `Unsubscribe bounced ${crypto.randomUUID()}`);
    const sesEvents = createDynamoSesEventStore({ db, ...tables });
    expect(await applySesEvent(sesEvents, permanentBounce(email), new Date())).toMatchObject({ effect: "bounced" });
    expect((await post(url)).status).toBe(200);
    expect((await stored(email))?.status).toBe("unsubscribed");
    expect(await figures()).toMatchObject({ unsubscribes: 0 });
  });
});

describe("SES events and the active count", () => {
  it(
    "takes a bounced address out of the active count in the same transaction, " + "and not the registration count",
    async () => {
      const email = uniqueEmail("bounced");
      await registered(email);
      const before = await counts();
      const sesEvents = createDynamoSesEventStore({ db, ...tables });
      const bounce = permanentBounce(email);
      expect(await applySesEvent(sesEvents, bounce, new Date())).toEqual({ result: "applied", effect: "bounced" });
      expect(await applySesEvent(sesEvents, bounce, new Date())).toMatchObject({ result: "duplicate" });
      expect(await counts()).toEqual({ count: before.count, active: before.active - 1 });

      // A bounced address that is unsubscribed stays out of the active count once.
      expect((await post(await unsubscribeUrl(email))).status).toBe(200);
      expect((await stored(email))?.status).toBe("unsubscribed");
      expect(await counts()).toEqual({ count: before.count, active: before.active - 1 });
    },
  );
});

describe("registering an address that opted out", () => {
  it("answers 201 with a new product id, keeps it out until its owner confirms by email, " +
    "and sends one email a day", async () => {
    const email = uniqueEmail("Returning");
    const firstId = await registered(email);
    expect((await post(await unsubscribeUrl(email))).status).toBe(200);
    const before = await counts();

    const secondId = await registered(email.toUpperCase());
    expect(secondId).not.toBe(firstId);
    const pending = await stored(email);
    expect(pending).toMatchObject({ status: "unsubscribed", productId: secondId, address: email });
    expect(pending!.confirmationSentAt).toBe(pending!.reregisteredAt);
    expect(await counts()).toEqual(before);

    const [mail] = await confirmationMails(email);
    expect(mail!.destination.to[0]).toContain(email);
    const path = confirmPath(mail!.body.text);
    expect(mail!.body.html).toContain(path);

    // A second registration within the day sends no second email and changes no count.
    const thirdId = await registered(email);
    expect(thirdId).not.toBe(secondId);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await confirmationsTo(email)).toHaveLength(1);
    expect(await counts()).toEqual(before);

    const skipped = await broadcastTo(`While pending ${crypto.randomUUID()}`);
    expect(skipped).not.toContain(email.toLowerCase());

    // Following the link shows a page; only its button confirms.
    const shown = await fetch(`${base}${path}`, { redirect: "manual" });
    expect(shown.status).toBe(200);
    expectPageHeaders(shown);
    expect(await shown.text()).toMatch(/<form method="post"><input type="hidden" name="confirm" value="yes">/);
    expect((await stored(email))?.status).toBe("unsubscribed");

    const confirmed = await post(`${base}${path}`, { confirm: "yes" });
    expect(confirmed.status).toBe(200);
    expectPageHeaders(confirmed);
    expect((await stored(email))?.status).toBe("active");
    expect(await counts()).toEqual({ count: before.count, active: before.active + 1 });
    expect((await post(`${base}${path}`, { confirm: "yes" })).status).toBe(200);
    expect(await counts()).toEqual({ count: before.count, active: before.active + 1 });

    expect(await changes(email)).toEqual([
      "Registered:active",
      "Unsubscribed:unsubscribed",
      "Reregistered:unsubscribed",
      "Reregistered:unsubscribed",
      "Confirmed:active",
    ]);
    const history = await store.history(email.toLowerCase());
    expect(history.filter((change) => change.type === "Reregistered").map((change) => change.confirmationSent)).toEqual(
      [true, false],
    );
    expect(history[2]).toMatchObject({ previousProductId: firstId, productId: secondId });
    // The registration itself is the first change: with the product id it gave then, not the latest.
    expect(history[0]).toMatchObject({
      type: "Registered",
      productId: firstId,
      sourceIp: history[2]!.previousSourceIp,
    });

    // Active again: a registration is refused as before, and broadcasts reach it.
    expect((await postForm(`${base}/api/registration`, { email })).status).toBe(409);
    expect(await broadcastTo(`After confirming ${crypto.randomUUID()}`)).toContain(email.toLowerCase());
  }, 90_000);

  it("refuses an old confirmation link after the owner unsubscribed again", async () => {
    const email = uniqueEmail("changed-mind");
    await registered(email);
    const unsubscribe = await unsubscribeUrl(email);
    await post(unsubscribe);
    await registered(email);
    const [mail] = await confirmationMails(email);
    const path = confirmPath(mail!.body.text);
    expect((await post(`${base}${path}`, { confirm: "yes" })).status).toBe(200);
    expect((await post(unsubscribe)).status).toBe(200);

    const before = await counts();
    const stale = await post(`${base}${path}`, { confirm: "yes" });
    expect(stale.status).toBe(400);
    expect(await stale.text()).toContain("Register it again");
    expect((await stored(email))?.status).toBe("unsubscribed");
    expect(await counts()).toEqual(before);
  });

  it("re-registers a bounced address the same way, pending its owner's confirmation", async () => {
    const email = uniqueEmail("was-bounced");
    await registered(email);
    const sesEvents = createDynamoSesEventStore({ db, ...tables });
    await applySesEvent(
      sesEvents,
      {
        type: "Bounce",
        email: email.toLowerCase(),
        sesMessageId: crypto.randomUUID(),
        occurredAt: new Date().toISOString(),
        broadcastId: undefined,
        diagnostic: undefined,
        bounceType: "Permanent",
        bounceSubType: "General",
        status: "5.1.1",
      },
      new Date(),
    );
    expect(await postForm(`${base}/api/registration`, { email }).then((response) => response.status)).toBe(201);
    expect((await stored(email))?.status).toBe("bounced");
    await eventually(
      async () => ((await confirmationsTo(email)).length === 1 ? true : undefined),
      10_000,
      "the confirmation email",
    );
  });

  it("answers a 400 page to a tampered confirmation token or an unsubscribe token", async () => {
    const email = uniqueEmail("confirm-forged");
    await registered(email);
    await post(await unsubscribeUrl(email));
    for (const token of [
      await signToken(KEY, { purpose: "unsubscribe", email }),
      await signToken(KEY, { purpose: "confirm", email, expiresAt: Math.floor(Date.now() / 1000) - 1 }),
      "nonsense",
    ]) {
      const response = await post(`${base}/api/registration/confirm/${token}`, { confirm: "yes" });
      expect(response.status).toBe(400);
      expectPageHeaders(response);
    }
    expect((await stored(email))?.status).toBe("unsubscribed");
  });

  it("sends one confirmation email to many concurrent registrations of an opted-out address", async () => {
    const email = uniqueEmail("concurrent");
    await registered(email);
    await post(await unsubscribeUrl(email));
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => postForm(`${base}/api/registration`, { email })),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(201));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await confirmationsTo(email)).toHaveLength(1);
    expect((await stored(email))?.status).toBe("unsubscribed");
  });

  it(
    "fails with ConfirmationNotSentError when SES refuses the email, " + "and lets the next registration send it",
    async () => {
      const email = uniqueEmail("ses-down");
      await registered(email);
      await post(await unsubscribeUrl(email));
      const sent: string[] = [];
      const context = { sourceIp: "203.0.113.9", now: new Date() };
      const down = { send: () => Promise.reject(new Error("SES is down")) };
      await expect(register(store, { email }, { ...context, confirmations: down })).rejects.toBeInstanceOf(
        ConfirmationNotSentError,
      );
      expect((await stored(email))?.confirmationSentAt).toBeUndefined();
      const up = { send: async ({ address }: { address: string }) => void sent.push(address) };
      expect(await register(store, { email }, { ...context, confirmations: up })).toMatchObject({
        pending: { confirmationSent: true },
      });
      expect(sent).toEqual([email]);
    },
  );
});
