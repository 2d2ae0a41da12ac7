import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import type { EndedSessions } from "./ended-sessions.ts";

/** The console's session cookie: signed, scoped to the console, gone after 8 hours. */
export const SESSION_COOKIE = "console_session";
export const SESSION_SECONDS = 8 * 60 * 60;
export const CONSOLE_PATH = "/console";
/** The form field every console POST carries its CSRF token in. */
export const CSRF_FIELD = "csrf";

/** `<expiry>.<id>[.<member id>]`, signed. */
const SESSION_VALUE = /^(\d{1,12})\.([A-Za-z0-9_-]{24})(?:\.([0-9a-f-]{36}))?$/;

/** A session: the PIN's (no member, only while a stack has none) or a member's, signed in with a passkey. */
export type Session = { id: string; expiresAt: number; csrf: string; memberId?: string };

/**
 * The console's session key: derived with HKDF from the link-signing secret under a label of its
 * own, so no new secret is deployed and neither key tells anything of the other. A session holds
 * only a random id and its expiry, never the PIN.
 */
export function sessionKey(tokenKey: string): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", tokenKey, "", "oemr-reg console session v1", 32));
}

/**
 * Sessions as signed cookies (`hono/cookie`), and each one's CSRF token: an HMAC of the session
 * id, so it is bound to the session and needs no storage.
 */
export function createSessions({ key, ended, now }: { key: Uint8Array; ended: EndedSessions; now: () => Date }) {
  const csrfOf = (id: string) => createHmac("sha256", key).update(`csrf.${id}`).digest("base64url");
  const options = (c: Context) => ({
    path: CONSOLE_PATH,
    httpOnly: true,
    sameSite: "Strict" as const,
    secure: !plainLocalhost(c),
    maxAge: SESSION_SECONDS,
  });

  return {
    /** Starts a session for this member, who just signed in with a passkey, or the PIN's without one. */
    async start(c: Context, memberId?: string): Promise<void> {
      const id = randomBytes(18).toString("base64url");
      const expiresAt = Math.floor(now().getTime() / 1000) + SESSION_SECONDS;
      const value = `${expiresAt}.${id}${memberId ? `.${memberId}` : ""}`;
      await setSignedCookie(c, SESSION_COOKIE, value, key, options(c));
    },

    /** The request's session, or `undefined` when it has none, an altered, expired or logged out one. */
    async read(c: Context): Promise<Session | undefined> {
      const value = await getSignedCookie(c, key, SESSION_COOKIE);
      const [, expires, id, memberId] = SESSION_VALUE.exec(value || "") ?? [];
      if (!expires || !id || Number(expires) <= now().getTime() / 1000) return undefined;
      if (await ended.ended(id)) return undefined;
      return { id, expiresAt: Number(expires), csrf: csrfOf(id), ...(memberId && { memberId }) };
    },

    /** Whether a POST's token is its session's. */
    csrfMatches(session: Session, token: unknown): boolean {
      if (typeof token !== "string") return false;
      const [given, expected] = [Buffer.from(token), Buffer.from(session.csrf)];
      return given.length === expected.length && timingSafeEqual(given, expected);
    },

    /** Ends the session for good: its cookie here, and any copy of it, which `read` refuses from now on. */
    async end(c: Context, session: Session): Promise<void> {
      await ended.end(session.id, session.expiresAt);
      deleteCookie(c, SESSION_COOKIE, options(c));
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;

/**
 * `npm start`'s plain `http://localhost`, where a `Secure` cookie would be refused; anywhere else
 * the cookie is `Secure`, so a session never travels unencrypted.
 */
function plainLocalhost(c: Context): boolean {
  const url = new URL(c.req.url);
  return url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
}
