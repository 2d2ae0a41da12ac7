import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { createEndedSessions } from "@oemr-reg/core/http/console/ended-sessions";
import { createSessions, SESSION_COOKIE, sessionKey } from "@oemr-reg/core/http/console/session";
import { createMemberStore, createTokens, type Member, type Role } from "@oemr-reg/core/members";
import { Hono } from "hono";
import type { BrowserContext } from "playwright-core";
import { Resource } from "sst";
import { expect } from "vitest";

const db = createDocumentClient();
const stateTable = Resource.State.name;
export const memberStore = createMemberStore({ db, stateTable });
const memberTokens = createTokens({ db, stateTable, members: memberStore });

/** A member as an accepted invitation leaves it: active, with these roles. */
export async function activeMember(name: string, roles: Role[]): Promise<Member> {
  const email = `${name.toLowerCase().replaceAll(/\W/g, "")}+${crypto.randomUUID().slice(0, 8)}@board.example`;
  const { member, invitation } = await memberStore.add({ name, email, roles });
  expect(await memberStore.accept(invitation.token)).toBe(member.id);
  return (await memberStore.get(member.id))!;
}

/** An active member with a personal token of all its roles, and the headers a JSON caller sends. */
export async function memberWithToken(name: string, roles: Role[]) {
  const member = await activeMember(name, roles);
  const { token } = await memberTokens.create(member, { name: "api", roles, days: 30 });
  return { ...member, token, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } };
}

/**
 * A console session for this member, as signing in with a passkey starts it: the server's own
 * `createSessions().start`, under the key it derives from the stack's token key. Until the passkey
 * sign-in lands, this is how a test signs a member in.
 */
export async function memberCookie(memberId: string): Promise<string> {
  const sessions = createSessions({
    key: sessionKey(Resource.UnsubscribeKey.value),
    ended: createEndedSessions({ db, stateTable }),
    now: () => new Date(),
  });
  const signIn = new Hono().get("/console", async (c) => {
    await sessions.start(c, memberId);
    return c.body(null, 204);
  });
  const started = await signIn.request("http://localhost/console");
  const [cookie] = started.headers.getSetCookie();
  expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=`));
  return cookie!.split(";")[0]!;
}

/** A member signed in: its cookie header and the CSRF token its pages' forms carry. */
export async function memberSession(base: string, name: string, roles: Role[]) {
  const member = await activeMember(name, roles);
  const cookie = await memberCookie(member.id);
  return { member, cookie, csrf: await consoleCsrf(base, cookie) };
}

/** The CSRF token a signed-in session's pages carry. */
export async function consoleCsrf(base: string, cookie: string): Promise<string> {
  const overview = await fetch(`${base}/console`, { headers: { cookie }, redirect: "manual" });
  expect(overview.status).toBe(200);
  const csrf = /name="csrf" value="([^"]+)"/.exec(await overview.text())?.[1] ?? "";
  expect(csrf).not.toBe("");
  return csrf;
}

/** Puts the session cookie in the browser, as the sign-in would set it. */
export async function signInBrowser(context: BrowserContext, base: string, cookie: string): Promise<void> {
  const [name, value] = [cookie.slice(0, cookie.indexOf("=")), cookie.slice(cookie.indexOf("=") + 1)];
  const { hostname } = new URL(base);
  await context.addCookies([{ name, value, domain: hostname, path: "/console", httpOnly: true, sameSite: "Strict" }]);
}
