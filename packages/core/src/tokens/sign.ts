import type { webcrypto } from "node:crypto";
import { z } from "zod";
import { normalizeEmail } from "../registration/email.ts";

/** What a token is for. It is bound into the MAC, so a token for one purpose is void for any other. */
export type TokenPurpose = "unsubscribe" | "confirm";

export type TokenClaims = {
  purpose: TokenPurpose;
  email: string;
  /** Epoch seconds; a token without it never expires (an unsubscribe link must work in old mail). */
  expiresAt?: number;
};

// A normalized address is at most 254 characters, so a real token is a few hundred; anything
// longer is rejected before any decoding or crypto work is spent on it.
const MAX_TOKEN_LENGTH = 1024;
const TOKEN_SHAPE = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/; // 43 characters: a 32-byte SHA-256 MAC

const Payload = z.object({ e: z.string().min(1), x: z.number().int().optional() });

const encoder = new TextEncoder();
const keys = new Map<string, Promise<webcrypto.CryptoKey>>();

/**
 * Signs a URL-safe token carrying a normalized address: `base64url(payload).base64url(HMAC-SHA-256)`.
 * @example
 * const token = await signToken(secret, { purpose: "confirm", email, expiresAt: nowSeconds + 7 * 86_400 });
 */
export async function signToken(key: string, { purpose, email, expiresAt }: TokenClaims): Promise<string> {
  if (expiresAt !== undefined && !Number.isSafeInteger(expiresAt)) {
    throw new RangeError("expiresAt must be a whole number of epoch seconds");
  }
  const payload = Buffer.from(JSON.stringify({ e: normalizeEmail(email), x: expiresAt })).toString("base64url");
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(key), signedBytes(purpose, payload));
  return `${payload}.${Buffer.from(mac).toString("base64url")}`;
}

/**
 * The claims of a token signed with `key` for `purpose`, or `undefined` when it is expired, was
 * signed for another purpose or with another key, was altered, or is not a token at all. Never
 * throws for any `token`, since it comes straight from a URL.
 */
export async function verifyToken(
  key: string,
  token: string,
  purpose: TokenPurpose,
  now: Date = new Date(),
): Promise<{ email: string; expiresAt?: number } | undefined> {
  if (token.length > MAX_TOKEN_LENGTH) return undefined;
  const [, payload, signature] = TOKEN_SHAPE.exec(token) ?? [];
  if (!payload || !signature) return undefined;
  const mac = Buffer.from(signature, "base64url");
  // Base64 leaves spare bits in the last character; without this check a token whose last
  // character differs in those bits only would still verify.
  if (mac.toString("base64url") !== signature) return undefined;
  // subtle.verify compares in constant time, so the MAC cannot be guessed byte by byte.
  const valid = await crypto.subtle.verify("HMAC", await hmacKey(key), mac, signedBytes(purpose, payload));
  if (!valid) return undefined;
  const claims = parsePayload(payload);
  if (!claims) return undefined;
  if (claims.x !== undefined && now.getTime() / 1000 >= claims.x) return undefined;
  return claims.x === undefined ? { email: claims.e } : { email: claims.e, expiresAt: claims.x };
}

function signedBytes(purpose: TokenPurpose, payload: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(`${purpose}.${payload}`);
}

function parsePayload(payload: string): z.infer<typeof Payload> | undefined {
  try {
    return Payload.safeParse(JSON.parse(Buffer.from(payload, "base64url").toString("utf8"))).data;
  } catch {
    return undefined;
  }
}

// Importing a key costs more than an HMAC over a short payload, and a broadcast signs a token per
// recipient with the same key: import each key once.
function hmacKey(key: string): Promise<webcrypto.CryptoKey> {
  let imported = keys.get(key);
  if (!imported) {
    if (!key) throw new Error("The token signing key is empty");
    imported = crypto.subtle.importKey("raw", encoder.encode(key), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    keys.set(key, imported);
  }
  return imported;
}
