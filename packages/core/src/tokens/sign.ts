import { createCipheriv, createDecipheriv, randomBytes, type webcrypto } from "node:crypto";
import { normalizeEmail } from "../address.ts";
import * as z from "../zod-mini.ts";

/** What a token is for. It is bound into the token, so a token for one purpose is void for any other. */
export type TokenPurpose = "unsubscribe" | "confirm";

export type TokenClaims = {
  purpose: TokenPurpose;
  email: string;
  /** Epoch seconds; a token without it never expires (an unsubscribe link must work in old mail). */
  expiresAt?: number;
  /**
   * The broadcast whose email carries the link, so that what the link does is counted on it. Sealed
   * with the address, so it cannot be changed; tokens made before it was added have none.
   */
  broadcastId?: string;
};

// A normalized address is at most 254 characters, so a real token is a few hundred; anything
// longer is rejected before any decoding or crypto work is spent on it.
const MAX_TOKEN_LENGTH = 1024;
const VERSION = "v2";
const TOKEN_SHAPE = /^v2\.([A-Za-z0-9_-]{8})\.([A-Za-z0-9_-]+)$/; // 8 characters: a 6-byte key id
// Tokens signed before v2, still in old mail: `base64url(payload).base64url(HMAC-SHA-256)`.
const LEGACY_SHAPE = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/; // 43 characters: a 32-byte MAC
const KEY_ID_BYTES = 6;
const IV_BYTES = 12;
const TAG_BYTES = 16;
// Plaintexts are padded to a multiple of this, so a token's length tells little of its address's.
const PAD_BYTES = 32;
// A broadcast id is a UUID; the bound keeps the longest address's token within MAX_TOKEN_LENGTH.
const MAX_BROADCAST_ID_LENGTH = 100;

// zod/mini: the senders sign a token for each email.
const Payload = z.object({
  e: z.string().check(z.minLength(1)),
  x: z.optional(z.int()),
  b: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_BROADCAST_ID_LENGTH))),
});
type Payload = z.infer<typeof Payload>;

/** The AES-256-GCM key derived from a secret, and the id tokens name it by. */
type SealingKey = { id: string; key: Buffer };

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const sealingKeys = new Map<string, Promise<SealingKey>>();
const hmacKeys = new Map<string, Promise<webcrypto.CryptoKey>>();

/**
 * Seals a normalized address (and the broadcast that mails it) into a URL-safe token that reveals nothing of it:
 * `v2.<key id>.base64url(iv || AES-256-GCM ciphertext and tag)`, the purpose bound as additional
 * data. The key id lets {@link verifyToken} pick the key after a rotation.
 * @example
 * const token = await signToken(secret, { purpose: "confirm", email, expiresAt: nowSeconds + 7 * 86_400 });
 */
export async function signToken(key: string, { purpose, email, expiresAt, broadcastId }: TokenClaims): Promise<string> {
  if (expiresAt !== undefined && !Number.isSafeInteger(expiresAt)) {
    throw new RangeError("expiresAt must be a whole number of epoch seconds");
  }
  if (broadcastId !== undefined && !Payload.shape.b.safeParse(broadcastId).success) {
    throw new RangeError(`broadcastId must be 1 to ${MAX_BROADCAST_ID_LENGTH} characters`);
  }
  const { id, key: aesKey } = await sealingKey(key);
  const iv = randomBytes(IV_BYTES);
  const plaintext = padded(JSON.stringify({ e: normalizeEmail(email), x: expiresAt, b: broadcastId }));
  // Node's cipher, not Web Crypto's: the senders seal a token for every email, and Web Crypto's
  // job and promise for each cost more than the sealing. AES-256-GCM, its tag last, as Web Crypto's.
  const cipher = createCipheriv("aes-256-gcm", aesKey, iv).setAAD(boundData(purpose));
  const sealed = Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  const token = `${VERSION}.${id}.${sealed.toString("base64url")}`;
  // Such a token could never be verified: fail here rather than mail a dead link.
  if (token.length > MAX_TOKEN_LENGTH) throw new RangeError("The address is too long for a token");
  return token;
}

/**
 * The claims of a token for `purpose`, or `undefined` when it is expired, was made for another
 * purpose or with none of `keys`, was altered, or is not a token at all. `keys` holds the current
 * key, then any earlier ones whose links must keep working; empty ones (an unset previous key) are
 * skipped. Never throws for any `token`, since it comes straight from a URL.
 */
export async function verifyToken(
  keys: string | readonly string[],
  token: string,
  purpose: TokenPurpose,
  now: Date = new Date(),
): Promise<Omit<TokenClaims, "purpose"> | undefined> {
  if (token.length > MAX_TOKEN_LENGTH) return undefined;
  const secrets = [keys].flat().filter((key) => key !== "");
  const claims = token.startsWith(`${VERSION}.`)
    ? await unsealed(secrets, token, purpose)
    : await legacyClaims(secrets, token, purpose);
  if (!claims) return undefined;
  if (claims.x !== undefined && now.getTime() / 1000 >= claims.x) return undefined;
  return {
    email: claims.e,
    ...(claims.x !== undefined && { expiresAt: claims.x }),
    ...(claims.b !== undefined && { broadcastId: claims.b }),
  };
}

async function unsealed(secrets: string[], token: string, purpose: TokenPurpose): Promise<Payload | undefined> {
  const [, id, body] = TOKEN_SHAPE.exec(token) ?? [];
  const bytes = body === undefined ? undefined : canonicalBytes(body);
  if (!bytes || bytes.length <= IV_BYTES + TAG_BYTES) return undefined;
  const sealing = (await Promise.all(secrets.map(sealingKey))).find((candidate) => candidate.id === id);
  if (!sealing) return undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", sealing.key, bytes.subarray(0, IV_BYTES))
      .setAAD(boundData(purpose))
      .setAuthTag(bytes.subarray(-TAG_BYTES));
    return parsePayload(Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, -TAG_BYTES)), decipher.final()]));
  } catch {
    // The tag does not match: altered, or sealed for another purpose.
    return undefined;
  }
}

async function legacyClaims(secrets: string[], token: string, purpose: TokenPurpose): Promise<Payload | undefined> {
  const [, payload, signature] = LEGACY_SHAPE.exec(token) ?? [];
  const mac = signature === undefined ? undefined : canonicalBytes(signature);
  if (!payload || !mac) return undefined;
  const signed = encoder.encode(`${purpose}.${payload}`);
  for (const secret of secrets) {
    // subtle.verify compares in constant time, so the MAC cannot be guessed byte by byte.
    if (await crypto.subtle.verify("HMAC", await hmacKey(secret), mac, signed))
      return parsePayload(Buffer.from(payload, "base64url"));
  }
  return undefined;
}

/**
 * The bytes of base64url `text`, or `undefined` when it is not their one spelling: base64 leaves
 * spare bits in the last character, and a token differing in those bits only must not verify.
 */
function canonicalBytes(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, "base64url");
  return bytes.toString("base64url") === text ? bytes : undefined;
}

function boundData(purpose: TokenPurpose): Uint8Array<ArrayBuffer> {
  return encoder.encode(`${VERSION}.${purpose}`);
}

// JSON.parse ignores the trailing spaces.
function padded(json: string): Uint8Array<ArrayBuffer> {
  const text = encoder.encode(json);
  const bytes = new Uint8Array(Math.ceil(text.length / PAD_BYTES) * PAD_BYTES).fill(0x20);
  bytes.set(text);
  return bytes;
}

function parsePayload(bytes: Uint8Array): Payload | undefined {
  try {
    return Payload.safeParse(JSON.parse(decoder.decode(bytes))).data;
  } catch {
    return undefined;
  }
}

// Deriving or importing a key costs more than sealing a short payload, and a broadcast signs a
// token per recipient with the same key: do it once per key.
function once<T>(cache: Map<string, Promise<T>>, secret: string, derive: (secret: string) => Promise<T>): Promise<T> {
  let derived = cache.get(secret);
  if (!derived) {
    if (!secret) throw new Error("The token signing key is empty");
    derived = derive(secret);
    cache.set(secret, derived);
  }
  return derived;
}

function sealingKey(secret: string): Promise<SealingKey> {
  return once(sealingKeys, secret, async () => {
    const master = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, [
      "deriveKey",
      "deriveBits",
    ]);
    const hkdf = (label: string) => ({
      name: "HKDF",
      hash: "SHA-256",
      salt: new Uint8Array(),
      info: encoder.encode(label),
    });
    // The 256 bits that deriveKey would make an AES-256 key of, kept as bytes for Node's cipher.
    const key = Buffer.from(await crypto.subtle.deriveBits(hkdf("oemr-reg token v2 AES-256-GCM"), master, 256));
    // One-way and under a label of its own: the id names the key and tells nothing of it.
    const id = Buffer.from(
      await crypto.subtle.deriveBits(hkdf("oemr-reg token v2 key id"), master, KEY_ID_BYTES * 8),
    ).toString("base64url");
    return { id, key };
  });
}

function hmacKey(secret: string): Promise<webcrypto.CryptoKey> {
  return once(hmacKeys, secret, () =>
    crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]),
  );
}
