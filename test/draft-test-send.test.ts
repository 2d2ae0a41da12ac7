import { writeFileSync } from "node:fs";
import { createAuditLog } from "@oemr-reg/core/audit";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import type { Draft } from "@oemr-reg/core/drafts/model";
import { startSesProxy } from "@oemr-reg/local/ses-proxy";
import { Resource } from "sst";
import { afterAll, describe, expect, inject, it } from "vitest";
import { memberWithToken } from "./support/member-session.ts";
import { passkeyApprovers } from "./support/passkey-approver.ts";
import { cutSigned, gnupgHome, gpgVerify } from "./support/pgp.ts";
import { postForm, serveForFile, uniqueEmail } from "./support/serve.ts";
import { emailsWithSubject, eventually, runStackConsumers } from "./support/stack.ts";

// The proxy keeps the bytes SES was given (the emulator's /store keeps parsed fields only), so a
// test send's MIME can be set beside a recipient's. The handlers read the endpoint when built.
const proxy = await startSesProxy(inject("endpoints").ses, { keepRaw: true });
afterAll(() => proxy.close());
process.env.AWS_ENDPOINT_URL_SES = proxy.url;
const { app } = await import("@oemr-reg/functions/api");
const base = await serveForFile(app);
await runStackConsumers();
const db = createDocumentClient();
const stateTable = Resource.State.name;
const audit = createAuditLog({ db, stateTable, retentionDays: 730 });

const approvers = await passkeyApprovers(base);
const ada = await memberWithToken("Ada", ["compose", "approve"]);
const ben = await approvers.withPasskey("Ben", ["compose", "approve"]);
const recipient = uniqueEmail("tested");
expect((await postForm(`${base}/api/registration`, { email: recipient })).status).toBe(201);

const post = (who: { headers: Record<string, string> }, path: string, body?: unknown) =>
  fetch(`${base}/api/drafts${path}`, {
    method: "POST",
    headers: who.headers,
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
const rawTo = (address: string, subject: string) =>
  proxy.sends.filter((send) => send.recipient.includes(address) && send.raw!.toString().includes(subject));
/** The MIME tree as its content types, in order: boundaries and tokens differ, the structure must not. */
const structure = (raw: Buffer) =>
  [...raw.toString().matchAll(/^Content-Type: ([\w/-]+)/gim)].map(([, type]) => type!.toLowerCase());
const headerNames = (raw: Buffer) => {
  const head = raw.toString().split(/\r?\n\r?\n/)[0]!;
  return ["List-Unsubscribe", "List-Unsubscribe-Post", "X-Broadcast-ID"].filter((name) => head.includes(`${name}:`));
};

describe("a draft's test send", () => {
  it("reaches the member's own inbox and another member's, '[Test]', with the recipients' MIME", async () => {
    const title = `Tested ${crypto.randomUUID()}`;
    const made = await post(ada, "", { title, contents: "Upgrade **now**." });
    const draft = (await made.json()) as Draft;
    const tested = await post(ada, `/${draft.draftId}/test`, { memberIds: [ada.id, ben.id] });
    const answer = (await tested.json()) as { sent: number; bytes: number; warnings: string[] };
    expect(tested.status, JSON.stringify(answer)).toBe(200);
    expect(answer).toMatchObject({ sent: 2, warnings: [] });
    const inbox = await eventually(async () => {
      const found = await emailsWithSubject(`[Test] ${title}`);
      return found.length === 2 ? found : undefined;
    });
    expect(inbox.flatMap(({ destination }) => destination.to).join(" ")).toContain(ada.email);

    // The real one, approved by the other member, to the registered address.
    expect((await post(ada, `/${draft.draftId}/request-approval`)).status).toBe(200);
    expect((await approvers.approve(ben, draft.draftId)).status).toBe(200);
    const [real] = await eventually(async () => {
      const found = rawTo(recipient, title);
      return found.length ? found : undefined;
    });
    const [test] = rawTo(ada.email, `[Test] ${title}`);
    expect(structure(test!.raw!)).toEqual(structure(real!.raw!));
    expect(structure(real!.raw!)[0]).toBe("multipart/signed");
    expect(headerNames(test!.raw!)).toEqual(headerNames(real!.raw!));
    // Signed as the real one is, and GnuPG says so with the key the stack publishes.
    const { home, gpg } = gnupgHome();
    const armored = await (await fetch(`${base}/announcements/key.asc`)).text();
    writeFileSync(`${home}/key.asc`, armored);
    expect(gpg("--import", `${home}/key.asc`).status).toBe(0);
    const fingerprints = [test!, real!].map(({ raw }) => gpgVerify(gpg, home, cutSigned(raw!))?.fingerprint);
    expect(fingerprints[0]).toMatch(/^[0-9A-F]{40}$/);
    expect(fingerprints[1]).toBe(fingerprints[0]);
    expect((await audit.page({ action: "draft.test-sent" })).records[0]).toMatchObject({ object: draft.draftId });
  });

  it("refuses an address, a non-member, and more than 10 an hour; warns over 100 KB", async () => {
    const made = await post(ben, "", { title: `Big ${crypto.randomUUID()}`, contents: "x ".repeat(60_000) });
    const { draftId } = (await made.json()) as Draft;
    const address = await post(ben, `/${draftId}/test`, { to: "anyone@example.org" });
    expect([address.status, ((await address.json()) as { error: string }).error]).toEqual([
      400,
      "InvalidTestSendException",
    ]);
    const stranger = await post(ben, `/${draftId}/test`, { memberIds: [crypto.randomUUID()] });
    expect([stranger.status, ((await stranger.json()) as { error: string }).error]).toEqual([
      400,
      "NotAMemberException",
    ]);
    const big = (await (await post(ben, `/${draftId}/test`)).json()) as { warnings: string[] };
    expect(big.warnings.join(" ")).toMatch(/Gmail clips/);
    for (let sent = 1; sent < 10; sent++) expect((await post(ben, `/${draftId}/test`)).status).toBe(200);
    const limited = await post(ben, `/${draftId}/test`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});
