import { LocalConfig } from "@oemr-reg/local/config";
import { describe, expect, it } from "vitest";
import { postForm, serveForFile, uniqueEmail } from "./support/serve.ts";
import { emailsWithSubject, eventually, ownStack, runStackConsumers } from "./support/stack.ts";

// `APPROVALS_REQUIRED=0`, which `npm start` allows (a deployed stage refuses it: test/infra.test.ts),
// so that a newcomer can send alone: this file's stack has it, before the handlers read their settings.
const settings = LocalConfig.parse({ APPROVALS_REQUIRED: "0" }).settings;
const provisioned = await ownStack("noapproval", { settings: { approvalsRequired: settings.approvalsRequired } });
const { app } = await import("@oemr-reg/functions/api");
const { memberWithToken } = await import("./support/member-session.ts");
const base = await serveForFile(app);
await runStackConsumers(provisioned);

describe("a stack needing no approval (APPROVALS_REQUIRED=0, npm start only)", () => {
  it("starts a draft once its approval is asked, with no approval and no passkey", async () => {
    expect(settings.approvalsRequired).toBe(0);
    const email = uniqueEmail("noapproval");
    expect((await postForm(`${base}/api/registration`, { email })).status).toBe(201);
    const ada = await memberWithToken("Ada", ["compose"]);
    const title = `Alone ${crypto.randomUUID()}`;
    const call = (path: string, body?: unknown) =>
      fetch(`${base}/api/drafts${path}`, {
        method: "POST",
        headers: ada.headers,
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    const created = await call("", { title, contents: "Upgrade." });
    expect(created.status).toBe(201);
    const { draftId } = (await created.json()) as { draftId: string };
    const requested = await call(`/${draftId}/request-approval`);
    const draft = (await requested.json()) as { state: string; broadcastId?: string; approvals?: unknown[] };
    expect(requested.status, JSON.stringify(draft)).toBe(200);
    expect(draft.state).toBe("started");
    expect(draft.broadcastId).toEqual(expect.any(String));
    expect(draft.approvals ?? []).toEqual([]);
    const [sent] = await eventually(async () => {
      const found = await emailsWithSubject(title);
      return found.length ? found : undefined;
    });
    expect(sent!.destination.to).toEqual([email]);
  });
});
