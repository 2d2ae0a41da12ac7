import { createAuditLog } from "@oemr-reg/core/audit";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { createApp } from "@oemr-reg/core/http";
import { createMemberStore, createTokens } from "@oemr-reg/core/members";
import { createDynamoRegistrationStore } from "@oemr-reg/core/registration";
import { app } from "@oemr-reg/functions/api";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { activeMember } from "./support/member-session.ts";
import { checkedForFile, serveForFile } from "./support/serve.ts";

const base = await serveForFile(app);
const db = createDocumentClient();
const stateTable = Resource.State.name;
const members = createMemberStore({ db, stateTable });
const tokens = createTokens({ db, stateTable, members });
const audit = createAuditLog({ db, stateTable, retentionDays: 730 });
const PIN = Resource.SecretPin.value;

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const versions = (headers: Record<string, string>) => fetch(`${base}/api/registration/versions`, { headers });
const startBroadcast = (headers: Record<string, string>, title: string) =>
  fetch(`${base}/api/registration/broadcast`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ title, contents: "Upgrade." }),
  });
const newest = async (action: string) => (await audit.page({ action })).records[0];

describe("personal tokens on the API", () => {
  it("open the routes of their roles only, and the audit log names the member", async () => {
    const composer = await activeMember("Cora", ["compose", "approve"]);
    const { token } = await tokens.create(composer, { name: "read only", roles: ["compose"], days: 30 });
    expect((await versions(bearer(token))).status).toBe(200);
    const refused = await startBroadcast(bearer(token), "Not mine to send");
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: "MissingRoleException" });

    // With a member active, a broadcast waits for another member's approval (test/drafts.test.ts).
    const sender = await tokens.create(composer, { name: "cli", roles: ["approve"], days: 30 });
    const requested = await startBroadcast(bearer(sender.token), `Release ${crypto.randomUUID()}`);
    expect(requested.status).toBe(202);
    const { draftId, state } = (await requested.json()) as { draftId: string; state: string };
    expect(state).toBe("pending");
    expect(await newest("draft.approval-requested")).toMatchObject({
      actor: { kind: "member", id: composer.id, name: "Cora" },
      object: draftId,
    });
  });

  it("are refused once revoked, once expired, and once their member is revoked", async () => {
    const owner = await activeMember("Dov", ["compose"]);
    const { token, record } = await tokens.create(owner, { name: "x", roles: ["compose"], days: 30 });
    expect((await versions(bearer(token))).status).toBe(200);
    await tokens.revoke(owner.id, record.tokenId);
    const revoked = await versions(bearer(token));
    expect(revoked.status).toBe(401);
    expect(await revoked.json()).toMatchObject({ error: "InvalidTokenException" });

    const past = createTokens({ db, stateTable, members, now: () => new Date(Date.now() - 2 * 86_400_000) });
    expect(
      (await versions(bearer((await past.create(owner, { name: "old", roles: ["compose"], days: 1 })).token))).status,
    ).toBe(401);

    const kept = await tokens.create(owner, { name: "y", roles: ["compose"], days: 30 });
    await members.revoke(owner.id);
    expect((await versions(bearer(kept.token))).status).toBe(401);
    expect((await versions(bearer("oemr_not_a_token"))).status).toBe(401);
  });
});

describe("the PIN", () => {
  it("is recorded in the audit log as the PIN on every use, right or wrong", async () => {
    expect((await versions({ "x-secret-pin": PIN })).status).toBe(200);
    expect(await newest("pin.used")).toMatchObject({
      actor: { kind: "PIN" },
      object: "GET /api/registration/versions",
    });
    expect((await versions({ "x-secret-pin": "wrong-wrong-wrong" })).status).toBe(401);
    expect(await newest("pin.refused")).toMatchObject({ actor: { kind: "PIN" } });
    expect(JSON.stringify(await audit.all())).not.toContain(PIN);
  });

  it("answers 410 on the PIN routes when the stage switches them off, and a token still works", async () => {
    const off = checkedForFile(
      createApp({
        secretPin: PIN,
        pinRoutes: false,
        deadlineMs: 8_000,
        tokens,
        audit,
        registrations: createDynamoRegistrationStore({
          db,
          registrationsTable: Resource.Registrations.name,
          stateTable,
        }),
      } as unknown as Parameters<typeof createApp>[0]),
    );
    for (const headers of [{ "x-secret-pin": PIN }, {}]) {
      const response = await off.request("/api/registration/versions", { headers });
      expect(response.status).toBe(410);
      expect(await response.json()).toMatchObject({ error: "PinRoutesGoneException" });
    }
    const { token } = await tokens.create(await activeMember("Eli", ["compose"]), {
      name: "z",
      roles: ["compose"],
      days: 1,
    });
    expect((await off.request("/api/registration/versions", { headers: bearer(token) })).status).toBe(200);
  });
});

describe("the console", () => {
  it("opens with the PIN until a member is active, and then neither the PIN nor its sessions open it", async () => {
    await Promise.all((await members.list()).map((each) => members.revoke(each.id)));
    // In-process, as a browser on the console's own origin would post it.
    const logIn = () =>
      app.request("http://localhost/console/login", {
        method: "POST",
        headers: { origin: "http://localhost", "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ secretPin: PIN }).toString(),
      });
    const loggedIn = await logIn();
    expect(loggedIn.status).toBe(303);
    const cookie = loggedIn.headers.get("set-cookie")!.split(";")[0]!;
    const overview = () => app.request("http://localhost/console", { headers: { cookie } });
    expect((await overview()).status).toBe(200);
    expect(await newest("pin.used")).toMatchObject({ object: "POST /console/login" });

    await activeMember("Fay", ["admin"]);
    expect((await overview()).headers.get("location")).toBe("/console/login");
    const refused = await logIn();
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("the PIN no longer opens the console");
  });
});

describe("the audit chain", () => {
  it("holds after every action above", async () => {
    expect(await audit.verify()).toMatchObject({ ok: true });
  });
});
