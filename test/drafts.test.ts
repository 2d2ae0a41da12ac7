import { SQSClient } from "@aws-sdk/client-sqs";
import { createAuditLog } from "@oemr-reg/core/audit";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { createSqsQueue } from "@oemr-reg/core/aws/sqs";
import { type Broadcast, type FanoutTask, resumeBroadcast, startBroadcast } from "@oemr-reg/core/broadcast";
import { createDynamoBroadcastStore } from "@oemr-reg/core/broadcast/dynamo-store";
import { createDraftFlow } from "@oemr-reg/core/drafts/flow";
import type { Draft } from "@oemr-reg/core/drafts/model";
import { createDraftStore } from "@oemr-reg/core/drafts/store";
import { createDynamoRegistrationStore } from "@oemr-reg/core/registration/dynamo-store";
import { app } from "@oemr-reg/functions/api";
import { handler as embargo } from "@oemr-reg/functions/embargo";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { memberSession, memberWithToken } from "./support/member-session.ts";
import { type Approval, passkeyApprovers } from "./support/passkey-approver.ts";
import { postForm, serveForFile, uniqueEmail } from "./support/serve.ts";
import { emailsWithSubject, eventually, runStackConsumers } from "./support/stack.ts";

const base = await serveForFile(app);
await runStackConsumers();
const db = createDocumentClient();
const stateTable = Resource.State.name;
const audit = createAuditLog({ db, stateTable, retentionDays: 730 });
const drafts = createDraftStore({ db, stateTable });
const broadcasts = createDynamoBroadcastStore({ db, stateTable });
const PIN = Resource.SecretPin.value;

const approvers = await passkeyApprovers(base);
const ada = await approvers.withPasskey("Ada", ["compose", "approve"]);
const ben = await approvers.withPasskey("Ben", ["compose", "approve"]);
const cy = await approvers.withPasskey("Cy", ["approve"]);
const recipients = [uniqueEmail("drafts"), uniqueEmail("drafts")];
for (const email of recipients) expect((await postForm(`${base}/api/registration`, { email })).status).toBe(201);

type Who = { headers: Record<string, string> };
const call = (who: Who, method: string, path: string, body?: unknown) =>
  fetch(`${base}/api/drafts${path}`, {
    method,
    headers: who.headers,
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
async function json<T = Draft>(response: Response, status: number): Promise<T> {
  const body = await response.json();
  expect(response.status, JSON.stringify(body)).toBe(status);
  return body as T;
}
const create = async (fields: Record<string, unknown> = {}) =>
  json(await call(ada, "POST", "", { title: `Notice ${crypto.randomUUID()}`, contents: "Upgrade.", ...fields }), 201);
const requestApproval = async (draft: Draft) =>
  json(await call(ada, "POST", `/${draft.draftId}/request-approval`), 200);
type Approver = Who & { id: string };
/** An approval as a member gives it: options asked with its token, signed by its passkey, sent. */
const approve = (who: Approver, draft: Draft, approval?: Approval) => approvers.approve(who, draft.draftId, approval);
const actions = async (object: string) =>
  (await audit.all()).filter((record) => record.object === object).map(({ action, actor }) => [action, actor.kind]);
const broadcastsOf = async (draftId: string) =>
  (await broadcasts.list({ limit: 100 })).broadcasts.filter((broadcast) => broadcast.draftId === draftId);

describe("drafts", () => {
  it("are saved, edited (each save a revision), listed and deleted through the API, each step audited", async () => {
    const draft = await create();
    expect(draft).toMatchObject({ state: "draft", version: 1, revisions: [{ revision: 1, by: { id: ada.id } }] });
    expect(draft.contentHash).toMatch(/^[0-9a-f]{64}$/);
    const edited = await json(
      await call(ben, "PUT", `/${draft.draftId}`, {
        title: draft.title,
        contents: "Upgrade now.",
        sendAt: "2099-01-01T09:00:00+02:00",
      }),
      200,
    );
    expect(edited.version).toBe(2);
    expect(edited.sendAt).toBe("2099-01-01T07:00:00.000Z");
    expect(edited.revisions[1]).toMatchObject({ by: { id: ben.id, name: "Ben" }, fields: ["contents", "sendAt"] });
    expect(edited.contentHash).not.toBe(draft.contentHash);
    const { drafts: listed } = await json<{ drafts: Draft[] }>(await call(ada, "GET", ""), 200);
    expect(listed.map(({ draftId }) => draftId)).toContain(draft.draftId);
    expect((await call(ada, "DELETE", `/${draft.draftId}`)).status).toBe(204);
    expect((await call(ada, "GET", `/${draft.draftId}`)).status).toBe(404);
    expect(await actions(draft.draftId)).toEqual([
      ["draft.saved", "member"],
      ["draft.saved", "member"],
      ["draft.deleted", "member"],
    ]);
    const bad = await json<{ error: string }>(
      await call(ada, "POST", "", { title: "x", contents: "y", sendAt: "soon" }),
      400,
    );
    expect(bad.error).toBe("InvalidDraftException");
  });

  it("send once when a second member approves; the requester's own approval is refused", async () => {
    const draft = await requestApproval(await create());
    expect(draft.state).toBe("pending");
    expect(draft.approvalRequest).toMatchObject({ contentHash: draft.contentHash, reach: { active: 2 } });
    // The other approvers are told, through SES; the requester is not.
    const told = await eventually(async () => {
      const found = await emailsWithSubject(`Approval asked: ${draft.title}`);
      return found.length >= 2 ? found : undefined;
    });
    expect(told.flatMap(({ destination }) => destination.to).sort()).toEqual([ben.email, cy.email].sort());
    expect(told[0]!.body.text).toContain(draft.contentHash);
    const self = await json<{ error: string }>(await approve(ada, draft), 403);
    expect(self.error).toBe("SelfApprovalException");
    // Two approvers at once, each with its own passkey: one broadcast.
    const [byBen, byCy] = [await approvers.approval(ben, draft.draftId), await approvers.approval(cy, draft.draftId)];
    const [first, second] = await Promise.all([approve(ben, draft, byBen), approve(cy, draft, byCy)]);
    // The second either came in before the start (200, counted or not) or after it (409, no longer pending).
    expect([first.status, second.status]).toContain(200);
    for (const { status } of [first, second]) expect([200, 409]).toContain(status);
    const started = (await drafts.get(draft.draftId))!;
    expect(started.state).toBe("started");
    expect(started.reachAtApproval?.active).toBe(2);
    expect(started.reachAtStart?.reached).toBe(2);
    const [broadcast] = await broadcastsOf(draft.draftId);
    expect(await broadcastsOf(draft.draftId)).toHaveLength(1);
    expect(broadcast).toMatchObject({ broadcastId: started.broadcastId, reachAtApproval: { active: 2 } });
    const emails = await eventually(async () => {
      const found = await emailsWithSubject(draft.title);
      return found.length >= 2 ? found : undefined;
    });
    expect(emails).toHaveLength(2);
    expect((await call(ada, "DELETE", `/${draft.draftId}`)).status).toBe(409);
    expect(await actions(draft.draftId)).toEqual(
      expect.arrayContaining([
        ["draft.approval-requested", "member"],
        ["draft.approved", "member"],
      ]),
    );
    expect(await actions(started.broadcastId!)).toEqual([["broadcast.started", "member"]]);
  });

  it("void an approval with any edit, and refuse an approval of an expired request", async () => {
    const sendAt = new Date(Date.now() + 3_600_000).toISOString();
    const draft = await requestApproval(await create({ sendAt }));
    // Cy's passkey signs twice for this content before the edit: both name the old hash.
    const early = [await approvers.approval(cy, draft.draftId), await approvers.approval(cy, draft.draftId)];
    const scheduled = await json(await approve(ben, draft), 200);
    expect(scheduled.state).toBe("scheduled");
    expect((await actions(draft.draftId)).slice(-2)).toEqual([
      ["draft.approved", "member"],
      ["draft.scheduled", "member"],
    ]);
    const edited = await json(
      await call(ada, "PUT", `/${draft.draftId}`, { title: draft.title, contents: "Changed.", sendAt }),
      200,
    );
    expect(edited.state).toBe("draft");
    expect((await json<{ error: string }>(await approve(cy, edited, early[0]), 409)).error).toBe("DraftStateException");
    const again = await requestApproval(edited);
    expect(again.state).toBe("pending");
    expect((await json<{ error: string }>(await approve(cy, again, early[1]), 409)).error).toBe(
      "DraftChangedException",
    );

    const old = await create();
    const past = createDraftFlow({
      drafts,
      registrations: createDynamoRegistrationStore({ db, registrationsTable: Resource.Registrations.name, stateTable }),
      broadcasts,
      fanoutQueue: { send: async () => {} },
      audit,
      rules: { required: 1, hours: 72 },
      now: () => new Date(Date.now() - 73 * 3_600_000),
    });
    await past.requestApproval(old.draftId, { kind: "member", id: ada.id, name: ada.name });
    const expired = await json<{ error: string }>(await approve(ben, old), 409);
    expect(expired.error).toBe("ApprovalExpiredException");
    expect((await drafts.get(old.draftId))!.state).toBe("pending");
  });

  it("start a scheduled draft after its time, not before, once with two cron runs overlapping", async () => {
    const sendAt = new Date(Date.now() + 4_000);
    const draft = await requestApproval(await create({ sendAt: sendAt.toISOString() }));
    expect((await json(await approve(ben, draft), 200)).state).toBe("scheduled");
    const cancelled = await requestApproval(await create({ sendAt: sendAt.toISOString() }));
    await json(await approve(ben, cancelled), 200);
    expect((await json(await call(cy, "POST", `/${cancelled.draftId}/cancel`), 200)).state).toBe("cancelled");
    await embargo();
    expect((await drafts.get(draft.draftId))!.state).toBe("scheduled");
    // Nothing of it in the public archive before its time: the archive reads broadcasts only.
    expect(await (await fetch(`${base}/announcements`)).text()).not.toContain(draft.title);
    await new Promise((resolve) => setTimeout(resolve, sendAt.getTime() - Date.now() + 50));
    await Promise.all([embargo(), embargo()]);
    const started = (await drafts.get(draft.draftId))!;
    expect(started.state).toBe("started");
    expect(Date.parse(started.startedAt!)).toBeGreaterThanOrEqual(sendAt.getTime());
    expect(Date.parse(started.startedAt!) - sendAt.getTime()).toBeLessThan(60_000);
    expect(await broadcastsOf(draft.draftId)).toHaveLength(1);
    expect(await actions(started.broadcastId!)).toEqual([["broadcast.started", "system"]]);
    expect((await drafts.get(cancelled.draftId))!.state).toBe("cancelled");
    expect(await broadcastsOf(cancelled.draftId)).toHaveLength(0);
    expect(await actions(cancelled.draftId)).toContainEqual(["draft.cancelled", "member"]);
  });

  it("finishes a draft left starting by a caller that died, with one broadcast", async () => {
    const draft = await requestApproval(await create());
    const startingAt = new Date(Date.now() - 3 * 60_000).toISOString();
    await drafts.transition(draft.draftId, { from: ["pending"], to: "starting", set: { startingAt } });
    await Promise.all([embargo(), embargo()]);
    expect((await drafts.get(draft.draftId))!.state).toBe("started");
    expect(await broadcastsOf(draft.draftId)).toHaveLength(1);
  });
});

describe("approving with a passkey", () => {
  const refusedAudits = async (draftId: string) =>
    (await audit.all()).filter(
      (record) => record.action === "draft.approval-refused" && record.object?.startsWith(`${draftId} `),
    );
  const refused = async (response: Response) =>
    expect((await json<{ error: string }>(response, 403)).error).toBe("PasskeyApprovalException");

  it("refuses a token alone: 400 naming approval-options, and the draft stays pending", async () => {
    const draft = await requestApproval(await create());
    const alone = await json<{ error: string; message: string }>(
      await call(ben, "POST", `/${draft.draftId}/approve`, { contentHash: draft.contentHash }),
      400,
    );
    expect(alone.error).toBe("PasskeyAssertionRequiredException");
    expect(alone.message).toContain("approval-options");
    const forged = { contentHash: draft.contentHash, assertion: { id: "x", rawId: "x", type: "public-key" } };
    expect((await call(ben, "POST", `/${draft.draftId}/approve`, forged)).status).toBe(400);
    const pin = { "content-type": "application/json", "x-secret-pin": PIN };
    const byPin = await json<{ error: string }>(
      await call({ headers: pin }, "POST", `/${draft.draftId}/approval-options`),
      403,
    );
    expect(byPin.error).toBe("ApproverNotMemberException");
    expect((await drafts.get(draft.draftId))!.state).toBe("pending");
    expect(await actions(draft.draftId)).not.toContainEqual(["draft.approved", "member"]);
  });

  it("answers options bound to the draft's current hash, signed only by the member's own passkeys", async () => {
    const draft = await requestApproval(await create());
    const { contentHash, options } = await approvers.options(ben, draft.draftId);
    expect(contentHash).toBe(draft.contentHash);
    expect(options).toMatchObject({
      rpId: new URL(Resource.Settings.publicUrl).hostname,
      userVerification: "required",
    });
    expect(options.allowCredentials).toHaveLength(1);
    expect(options.challenge).not.toBe((await approvers.options(ben, draft.draftId)).options.challenge);
  });

  it("refuses and audits an assertion for another draft or hash, by another's passkey, or replayed", async () => {
    const draft = await requestApproval(await create());
    const other = await requestApproval(await create());
    await refused(
      await approve(ben, draft, { ...(await approvers.approval(ben, other.draftId)), contentHash: draft.contentHash }),
    );
    await refused(await approve(ben, draft, await approvers.sign(await approvers.options(ben, draft.draftId), cy)));
    const before = await approvers.approval(ben, draft.draftId);
    const edited = await json(
      await call(ada, "PUT", `/${draft.draftId}`, { title: draft.title, contents: "New." }),
      200,
    );
    const again = await requestApproval(edited);
    await refused(await approve(ben, again, { ...before, contentHash: again.contentHash }));
    expect((await drafts.get(draft.draftId))!.state).toBe("pending");
    const good = await approvers.approval(ben, again.draftId);
    expect((await json(await approve(ben, again, good), 200)).state).toBe("started");
    await refused(await approve(cy, again, good));
    const refusals = await refusedAudits(draft.draftId);
    expect(refusals.map(({ actor }) => (actor.kind === "member" ? actor.id : "PIN")).sort()).toEqual(
      [ben.id, ben.id, ben.id, cy.id].sort(),
    );
    expect(refusals.map(({ object }) => object?.slice(draft.draftId.length)).sort()).toEqual(
      [" (challenge)", " (challenge)", " (challenge)", " (unknown-credential)"].sort(),
    );
    expect(await broadcastsOf(draft.draftId)).toHaveLength(1);
  });

  it("refuses the same assertion sent twice, even by its own member", async () => {
    const draft = await requestApproval(await create({ sendAt: new Date(Date.now() + 3_600_000).toISOString() }));
    const approval = await approvers.approval(ben, draft.draftId);
    expect((await json(await approve(ben, draft, approval), 200)).state).toBe("scheduled");
    await refused(await approve(ben, draft, approval));
    expect((await refusedAudits(draft.draftId)).map(({ object }) => object)).toEqual([`${draft.draftId} (challenge)`]);
  });
});

describe("who may do what to a draft", () => {
  it("refuses each route to a token without its role, and the log records nothing of it", async () => {
    const dee = await memberWithToken("Dee", ["compose"]);
    const draft = await requestApproval(await create());
    const broadcastId = crypto.randomUUID();
    const refused: [Who, string, string, unknown?][] = [
      [cy, "POST", "", { title: "Not mine", contents: "x" }],
      [cy, "PUT", `/${draft.draftId}`, { title: "Not mine", contents: "x" }],
      [cy, "DELETE", `/${draft.draftId}`],
      [cy, "POST", `/${draft.draftId}/request-approval`],
      [cy, "POST", `/${draft.draftId}/test`, { memberIds: [cy.id] }],
      [dee, "POST", `/${draft.draftId}/approval-options`],
      [dee, "POST", `/${draft.draftId}/approve`, { contentHash: draft.contentHash }],
      [dee, "POST", `/${draft.draftId}/cancel`],
    ];
    const before = await actions(draft.draftId);
    for (const [who, method, path, body] of refused) {
      const answer = await json<{ error: string }>(await call(who, method, path, body), 403);
      expect(answer.error, `${method} ${path}`).toBe("MissingRoleException");
    }
    const cancel = await fetch(`${base}/api/registration/broadcast/${broadcastId}/cancel`, {
      method: "POST",
      headers: dee.headers,
    });
    expect(cancel.status).toBe(403);
    expect(await actions(draft.draftId)).toEqual(before);
    expect((await drafts.get(draft.draftId))?.state).toBe("pending");
  });
});

describe("the seed's broadcast route, with members", () => {
  it("answers 202 with the PIN and waits until a member approves", async () => {
    const title = `PIN notice ${crypto.randomUUID()}`;
    const response = await fetch(`${base}/api/registration/broadcast`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": crypto.randomUUID() },
      body: JSON.stringify({ secretPin: PIN, title, contents: "Upgrade." }),
    });
    const answer = await json<{ status: string; draftId: string; state: string }>(response, 202);
    expect(answer).toMatchObject({ status: "awaiting-approval", state: "pending" });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await emailsWithSubject(title)).toHaveLength(0);
    const draft = (await drafts.get(answer.draftId))!;
    expect(draft.approvalRequest?.by).toEqual({ kind: "PIN" });
    expect((await json(await approve(ben, draft), 200)).state).toBe("started");
    await eventually(async () => ((await emailsWithSubject(title)).length === 2 ? true : undefined));
  });

  it("keeps a request's archive: false through its draft to its broadcast", async () => {
    const response = await fetch(`${base}/api/registration/broadcast`, {
      method: "POST",
      headers: ada.headers,
      body: JSON.stringify({ title: `Private ${crypto.randomUUID()}`, contents: "Quiet.", archive: false }),
    });
    const { draftId } = await json<{ draftId: string }>(response, 202);
    const draft = (await drafts.get(draftId))!;
    expect(draft.archive).toBe(false);
    const { broadcastId } = await json(await approve(ben, draft), 200);
    expect((await broadcasts.get(broadcastId!))!.archive).toBe(false);
  });

  it("cancels a running broadcast for good: its fan-out then sends nothing, audited", async () => {
    const title = `Cancelled ${crypto.randomUUID()}`;
    const quiet = { broadcasts, fanoutQueue: { send: async () => {} }, now: new Date() };
    const { broadcastId } = await startBroadcast(quiet, { title, contents: "Never sent." });
    const cancel = () =>
      fetch(`${base}/api/registration/broadcast/${broadcastId}/cancel`, { method: "POST", headers: cy.headers });
    expect((await json<Broadcast>(await cancel(), 200)).status).toBe("cancelled");
    expect((await json<{ error: string }>(await cancel(), 409)).error).toBe("BroadcastNotCancellableException");
    await resumeBroadcast(createSqsQueue<FanoutTask>(new SQSClient({}), Resource.Fanout.url), broadcastId, 4);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await emailsWithSubject(title)).toHaveLength(0);
    expect((await broadcasts.get(broadcastId))!.status).toBe("cancelled");
    expect(await actions(broadcastId)).toEqual([["broadcast.cancelled", "member"]]);
  });

  it("makes the console's send wait for approval too", async () => {
    const { cookie, csrf } = await memberSession(base, "Dee", ["compose", "approve"]);
    const title = `Console notice ${crypto.randomUUID()}`;
    const response = await fetch(`${base}/console/broadcasts`, {
      method: "POST",
      headers: { cookie, origin: base, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ title, contents: "Upgrade.", csrf, idempotencyKey: crypto.randomUUID() }),
      redirect: "manual",
    });
    expect(response.status).toBe(202);
    const [, draftId] = /draft <code>([^<]+)<\/code> \(pending\)/.exec(await response.text()) ?? [];
    expect((await drafts.get(draftId!))!.state).toBe("pending");
    expect(await broadcastsOf(draftId!)).toHaveLength(0);
  });
});
