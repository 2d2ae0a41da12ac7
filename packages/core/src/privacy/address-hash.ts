import { createHmac, hkdfSync } from "node:crypto";
import { normalizeEmail } from "../address.ts";
import type { AddressHasher } from "../registration/suppression.ts";

// The suppression list's key is derived from the link-signing secret with a label of its own, so
// one secret to keep serves both and neither use can stand in for the other: a hash is no token.
const LABEL = "oemr-reg erased-address v1";

function derivedKey(secret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, "", LABEL, 32));
}

/**
 * The keyed hashes (HMAC-SHA-256, base64url) an erased address is kept under, one per link key in
 * use (the current one first; the previous one during a rotation), so that an erasure made before a
 * rotation still holds while the old key is accepted. Without the key, the hash tells nothing of
 * the address, not even by trying every address on another list.
 * @example
 * const hashes = createAddressHasher([tokenKey, previousTokenKey]);
 * hashes("Admin@Clinic.example.org"); // ["k3…", "Zq…"]
 */
export function createAddressHasher(secrets: readonly (string | undefined)[]): AddressHasher {
  const keys = secrets.filter((secret): secret is string => Boolean(secret)).map(derivedKey);
  return (email) => keys.map((key) => createHmac("sha256", key).update(normalizeEmail(email)).digest("base64url"));
}
