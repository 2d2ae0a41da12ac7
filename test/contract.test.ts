import { app } from "@oemr-reg/functions/api";
import type { Hono } from "hono";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { contractViolations, coveredOperations, openApiDocument } from "./support/contract.ts";
import { memberSession, memberStore } from "./support/member-session.ts";
import { passkeyApprovers } from "./support/passkey-approver.ts";
import { serveForFile, uniqueEmail } from "./support/serve.ts";

// Every answer here is checked against the document by serveForFile, as in every suite that
// serves the app; this file also asks every operation once, so that none goes unchecked.
const PIN = Resource.SecretPin.value;
const base = await serveForFile(app as unknown as Hono);
const approvers = await passkeyApprovers(base);
const FORM = "application/x-www-form-urlencoded";
const JSON_TYPE = "application/json";

const call = (path: string, init: RequestInit = {}) => fetch(`${base}${path}`, { redirect: "manual", ...init });
const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: "POST",
  headers: { "content-type": JSON_TYPE, ...headers },
  body: JSON.stringify(body),
});
const form = (fields: Record<string, string>, headers: Record<string, string> = {}) => ({
  method: "POST",
  headers: { "content-type": FORM, origin: base, ...headers },
  body: new URLSearchParams(fields),
});
const withPin = { headers: { "x-secret-pin": PIN } };

/** A console session: its cookie, and the CSRF token its pages' forms carry. */
async function consoleSession() {
  const login = await call("/console/login", form({ secretPin: PIN }));
  expect(login.status).toBe(303);
  const cookie = login.headers
    .getSetCookie()
    .map((line) => line.split(";")[0])
    .join("; ");
  const overview = await (await call("/console", { headers: { cookie } })).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(overview)?.[1] ?? "";
  expect(csrf).not.toBe("");
  return { cookie, csrf };
}

describe("the contract check itself", () => {
  const jsonAnswer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": JSON_TYPE, ...headers } });

  it("passes an answer as the document states it", async () => {
    const registered = jsonAnswer(201, { productId: crypto.randomUUID() });
    expect(await contractViolations("POST", "/api/registration", registered)).toEqual([]);
  });

  it("fails a body, a status, a content type or a header that drifts from the document", async () => {
    const cases: [string, string, Response][] = [
      ["POST", "/api/registration", jsonAnswer(201, { productId: "not-a-uuid" })],
      ["POST", "/api/registration", jsonAnswer(418, { error: "Teapot", message: "no" })],
      ["GET", "/api/registration/unique", new Response("3", { headers: { "content-type": "text/plain" } })],
      // No Retry-After, which this 503 requires (a 429's may come from API Gateway, which sends none).
      ["GET", "/api/health", jsonAnswer(503, { error: "ServiceUnavailableException", message: "wait" })],
      ["POST", "/console/login", new Response(null, { status: 303 })],
      ["DELETE", "/api/registration", jsonAnswer(405, { error: "MethodNotAllowedException", message: "no" })],
      ["GET", "/console/broadcasts/x", new Response("{}", { status: 200, headers: { "content-type": JSON_TYPE } })],
    ];
    for (const [method, path, response] of cases)
      expect(await contractViolations(method, path, response), `${method} ${path}`).toHaveLength(1);
  });
});

/**
 * Every draft operation, while members are active: a broadcast request waits (202), a second
 * member approves with its passkey.
 */
async function drafting() {
  const made: string[] = [];
  const bearer = async (name: string) => {
    const member = await approvers.withPasskey(name, ["compose", "approve"]);
    made.push(member.id);
    return member;
  };
  const [drafter, approver] = [await bearer("Drafter"), await bearer("Approver")];
  const [one, two] = [drafter, approver].map(({ headers }) => ({ authorization: headers.authorization! }));
  const waits = await call("/api/registration/broadcast", json({ title: "Waits", contents: "Hi." }, withPin.headers));
  expect(waits.status).toBe(202);
  const created = await call("/api/drafts", json({ title: "Draft", contents: "Hi." }, one));
  expect(created.status).toBe(201);
  const { draftId } = (await created.json()) as { draftId: string };
  const path = `/api/drafts/${draftId}`;
  expect((await call("/api/drafts", { headers: one })).status).toBe(200);
  expect((await call(path, { ...json({ title: "Draft", contents: "Hello." }, one), method: "PUT" })).status).toBe(200);
  expect((await call(`${path}/test`, { method: "POST", headers: one })).status).toBe(200);
  const pending = await call(`${path}/request-approval`, { method: "POST", headers: one });
  const { contentHash } = (await pending.json()) as { contentHash: string };
  expect((await call(`${path}/approve`, json({ contentHash }, two))).status).toBe(400);
  expect((await approvers.approve(drafter, draftId)).status).toBe(403);
  const approved = await approvers.approve(approver, draftId);
  const { broadcastId } = (await approved.json()) as { broadcastId: string };
  expect((await call(path, { headers: one })).status).toBe(200);
  expect((await call(`${path}/cancel`, { method: "POST", headers: two })).status).toBe(409);
  expect((await call(path, { method: "DELETE", headers: one })).status).toBe(409);
  const cancelled = await call(`/api/registration/broadcast/${broadcastId}/cancel`, { method: "POST", headers: two });
  expect([200, 409]).toContain(cancelled.status);
  for (const id of made) await memberStore.revoke(id);
}

/** Every console draft operation, as a member who composes and approves; then "Stop for good" on `broadcastId`. */
async function consoleDrafting(
  { member, cookie, csrf }: Awaited<ReturnType<typeof memberSession>>,
  broadcastId: string,
) {
  const asMember = (path: string, fields: Record<string, string> = {}) =>
    call(path, form({ ...fields, csrf }, { cookie }));
  const signedIn = { headers: { cookie } };
  expect((await call("/console/drafts", signedIn)).status).toBe(200);
  expect((await call("/console/drafts/new", signedIn)).status).toBe(200);
  const created = await asMember("/console/drafts", { title: "Contract draft", contents: "Hi." });
  expect(created.status).toBe(303);
  const path = created.headers.get("location")!;
  expect((await call(path, signedIn)).status).toBe(200);
  expect((await asMember(path, { title: "Contract draft", contents: "Hello." })).status).toBe(303);
  expect((await asMember(`${path}/test`, { memberIds: member.id })).status).toBe(200);
  expect((await asMember(`${path}/request-approval`)).status).toBe(303);
  const sameSite = { cookie, origin: base };
  expect((await call(`${path}/approval/options`, json({ csrf }, sameSite))).status).toBe(200);
  const response = { id: "x", rawId: "x", type: "public-key", response: { clientDataJSON: "e30" } };
  const answer = { csrf, contentHash: "0".repeat(64), response: { ...response, clientExtensionResults: {} } };
  expect((await call(`${path}/approval/verify`, json(answer, sameSite))).status).toBe(403);
  expect((await asMember(`${path}/cancel`)).status).toBe(303);
  expect((await asMember(`${path}/delete`)).status).toBe(303);
  const stopped = await asMember(`/console/broadcasts/${broadcastId}/cancel`, { confirm: "yes" });
  expect([303, 409]).toContain(stopped.status);
}

describe("every operation of the document", () => {
  it("gets an answer the document states, from a request of each", async () => {
    expect((await call("/")).status).toBe(200);
    expect((await call("/api/health")).status).toBe(200);
    expect((await call("/api/openapi.json")).status).toBe(200);
    expect((await call("/api/docs")).status).toBe(200);
    const email = uniqueEmail("contract");
    expect((await call("/api/registration", form({ email, version: "7.0.3" }))).status).toBe(201);
    expect((await call("/api/registration/unique")).status).toBe(200);
    expect((await call("/api/registration/versions", withPin)).status).toBe(200);
    expect((await call("/api/registration/audience?belowVersion=7.0.4", withPin)).status).toBe(200);
    const report = { usageRecords: [{ event_type: "login", count: 1 }], localeData: { reporting_date: "20261201" } };
    expect((await call(`/api/usage?SiteID=${crypto.randomUUID()}`, json(report))).status).toBe(201);
    expect((await call("/api/usage/summary", withPin)).status).toBe(200);

    const started = await call(
      "/api/registration/broadcast",
      json({ title: "Contract", contents: "Hi." }, withPin.headers),
    );
    expect(started.status).toBe(200);
    const { broadcastId } = (await started.json()) as { broadcastId: string };
    expect((await call(`/api/registration/broadcast/${broadcastId}`, withPin)).status).toBe(200);
    expect(
      (await call(`/api/registration/broadcast/${broadcastId}/resume`, { method: "POST", ...withPin })).status,
    ).toBe(409);
    for (const link of ["unsubscribe", "confirm"]) {
      expect((await call(`/api/registration/${link}/not-a-token`)).status).toBe(400);
      const field: Record<string, string> =
        link === "unsubscribe" ? { "List-Unsubscribe": "One-Click" } : { confirm: "yes" };
      expect((await call(`/api/registration/${link}/not-a-token`, form(field))).status).toBe(400);
    }

    expect((await call("/api/members/me", withPin)).status).toBe(200);
    expect(
      (await call("/api/registration/erase", json({ email: uniqueEmail("erased") }, withPin.headers))).status,
    ).toBe(200);
    for (const suffix of ["", "/download"])
      expect((await call(`/api/registration/privacy/not-a-token${suffix}`)).status, suffix).toBe(400);
    for (const action of ["unsubscribe", "erase"])
      expect((await call(`/api/registration/privacy/not-a-token/${action}`, form({}))).status, action).toBe(400);
    for (const path of [
      "/announcements",
      "/announcements/feed.atom",
      "/announcements/feed.json",
      "/announcements/key.asc",
      "/announcements/keys",
    ])
      expect((await call(path)).status, path).toBe(200);
    expect((await call(`/announcements/${crypto.randomUUID()}`)).status).toBe(404);
    // Only the sender's domain has a Web Key Directory; this test's host is not it.
    expect((await call("/.well-known/openpgpkey/policy")).status).toBe(404);
    expect((await call("/.well-known/openpgpkey/hu/kei1q4tipxxu1yj79k9kfukdhfy631xe")).status).toBe(404);

    expect((await call("/console/login")).status).toBe(200);
    const { cookie, csrf } = await consoleSession();
    const signedIn = { headers: { cookie } };
    for (const page of ["/console", "/console/versions", "/console/broadcasts", "/console/broadcasts/new"])
      expect((await call(page, signedIn)).status, page).toBe(200);
    expect((await call(`/console/broadcasts/${broadcastId}`, signedIn)).status).toBe(200);
    const composed = { title: "Contract", contents: "Hi.", csrf };
    expect((await call("/console/broadcasts/new/preview", form(composed, { cookie }))).status).toBe(200);
    expect((await call("/console/broadcasts/new/confirm", form(composed, { cookie }))).status).toBe(200);
    const send = form({ ...composed, idempotencyKey: crypto.randomUUID() }, { cookie });
    expect((await call("/console/broadcasts", send)).status).toBe(303);
    expect((await call(`/console/broadcasts/${broadcastId}/resume`, form({ csrf }, { cookie }))).status).toBe(303);
    expect((await call("/console/webauthn.js")).status).toBe(200);
    const answer = {
      response: {
        id: "x",
        rawId: "x",
        type: "public-key",
        response: { clientDataJSON: "e30" },
        clientExtensionResults: {},
      },
    };
    const sameSite = { origin: base };
    expect((await call("/console/login/passkey/options", json({}, sameSite))).status).toBe(200);
    expect((await call("/console/login/passkey/verify", json(answer, sameSite))).status).toBe(403);
    expect((await call("/console/invitation/no-such-token")).status).toBe(410);
    expect((await call("/console/invitation/no-such-token/options", json({}, sameSite))).status).toBe(410);
    expect((await call("/console/invitation/no-such-token/verify", json(answer, sameSite))).status).toBe(410);
    // The PIN's session has no passkeys of its own.
    expect((await call("/console/passkeys", signedIn)).status).toBe(200);
    const asPin = { cookie, ...sameSite };
    expect((await call("/console/passkeys/new/options", json({ csrf }, asPin))).status).toBe(403);
    expect((await call("/console/passkeys/new/verify", json({ ...answer, csrf }, asPin))).status).toBe(403);
    expect((await call("/console/passkeys/remove", form({ csrf, credentialId: "x" }, { cookie }))).status).toBe(403);
    expect((await call("/console/logout", form({ csrf }, { cookie }))).status).toBe(303);
    // A member's pages, last: once a member is active the PIN no longer opens the console.
    const admin = await memberSession(base, "Contract", ["compose", "approve", "admin"]);
    const asAdmin = (fields: Record<string, string>) => form({ ...fields, csrf: admin.csrf }, { cookie: admin.cookie });
    expect((await call("/console/tokens", { headers: { cookie: admin.cookie } })).status).toBe(200);
    const made = await (await call("/console/tokens", asAdmin({ name: "c", roles: "compose", days: "1" }))).text();
    const tokenId = /oemr_[0-9a-f-]{36}_([0-9a-f-]{36})_/.exec(made)?.[1];
    expect((await call(`/console/tokens/${tokenId}/revoke`, asAdmin({}))).status).toBe(303);
    expect((await call("/console/members", { headers: { cookie: admin.cookie } })).status).toBe(200);
    const invited = await call(
      "/console/members",
      asAdmin({ name: "C", email: uniqueEmail("member"), roles: "compose" }),
    );
    expect(invited.status).toBe(200);
    const other = (await memberStore.list()).find((member) => member.name === "C")!;
    const otherPath = `/console/members/${other.id}`;
    expect((await call(`${otherPath}/reinvite`, asAdmin({}))).status).toBe(200);
    expect((await call(`${otherPath}/roles`, asAdmin({ roles: "approve" }))).status).toBe(303);
    expect((await call(`${otherPath}/revoke`, asAdmin({}))).status).toBe(303);
    expect((await call("/console/audit?action=member.revoked", { headers: { cookie: admin.cookie } })).status).toBe(
      200,
    );
    await consoleDrafting(admin, broadcastId);
    await drafting();
    // The PIN opens the console again for the tests below.
    await memberStore.revoke(admin.member.id);

    const operations = Object.values(openApiDocument.paths).flatMap((item) =>
      Object.values(item).map((operation) => operation.operationId),
    );
    expect(operations.filter((operationId) => !coveredOperations.has(operationId))).toEqual([]);
  });
});

describe("HTML routes, wrong methods and HEAD", () => {
  it("answers a console page's id over 100 characters with the console's own 400 page, not zod's JSON", async () => {
    const { cookie } = await consoleSession();
    const response = await call(`/console/broadcasts/${"x".repeat(101)}`, { headers: { cookie } });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    const page = await response.text();
    expect(page).toContain("· OpenEMR registrations</title>");
    expect(page).not.toMatch(/ZodError|"issues"/);
  });

  it("answers a wrong method on a known path 405 with Allow: JSON on the API, a page on the console", async () => {
    const api = await call("/api/registration/unique", { method: "DELETE" });
    expect(api.status).toBe(405);
    expect(api.headers.get("allow")).toBe("GET, HEAD");
    expect(await api.json()).toMatchObject({ error: "MethodNotAllowedException" });
    const broadcast = await call("/api/registration/broadcast/some-id", { method: "PUT" });
    expect(broadcast.headers.get("allow")).toBe("GET, HEAD");
    const page = await call("/console/login", { method: "PUT" });
    expect([page.status, page.headers.get("allow")]).toEqual([405, "GET, HEAD, POST"]);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const link = await call("/api/registration/unsubscribe/token", { method: "DELETE" });
    expect([link.status, link.headers.get("allow")]).toEqual([405, "GET, HEAD, POST"]);
    expect(await link.text()).toContain("<!doctype html>");
    const unknown = await call("/console/nowhere");
    expect([unknown.status, unknown.headers.get("content-type")]).toEqual([404, "text/html; charset=UTF-8"]);
    expect((await call("/api/nowhere", { method: "DELETE" })).status).toBe(404);
  });

  it("answers HEAD wherever GET answers, with GET's status and headers and no body", async () => {
    const { cookie } = await consoleSession();
    const gets = Object.entries(openApiDocument.paths)
      .filter(([, item]) => item.get)
      .map(([path]) => path.replace("{broadcastId}", "none").replace("{id}", "none").replace("{token}", "none"));
    expect(gets.length).toBeGreaterThan(10);
    for (const path of gets) {
      const init = { headers: { cookie, "x-secret-pin": PIN } };
      const [get, head] = [await call(path, init), await call(path, { ...init, method: "HEAD" })];
      expect([path, head.status], path).toEqual([path, get.status]);
      expect(head.headers.get("content-type"), path).toBe(get.headers.get("content-type"));
      expect(await head.text(), path).toBe("");
    }
  });
});
