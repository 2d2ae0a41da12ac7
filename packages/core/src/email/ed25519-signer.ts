import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign } from "node:crypto";
import { armor, dearmor, readMpi, readPackets, writeMpi, writePacket } from "./openpgp-packets.ts";

// OpenPGP.js costs the sender's cold start ~240 KB and ~30 ms to sign its first email (issue #26).
// The keys this service makes, and the one docs/operations.md has an operator make with GnuPG, are
// v4 Ed25519 keys, whose detached signature Node's own crypto makes in a few lines: this signs
// with those, and OpenPGP.js with any other key.

/** RFC 9580 §9.2: Ed25519's OID in the legacy EdDSA form (algorithm 22) that v4 keys carry. */
const ED25519_OID = Buffer.from("2b06010401da470f01", "hex");
const EDDSA_LEGACY = 22;
const SHA512 = 10;
/** Public-key algorithms that can sign (RFC 9580 §9.1): a subkey of one might be the signing key. */
const SIGNING_ALGORITHMS = new Set([1, 3, 17, 19, 22, 27, 28]);

/** A v4 Ed25519 signing key: its fingerprint (RFC 9580 §5.5.4.2) and its secret, for Node's crypto. */
export type Ed25519Key = { fingerprint: Uint8Array; privateKey: KeyObject };

/**
 * The key in `armoredKey` when this signer can sign with it: a v4 Ed25519 primary key (legacy
 * EdDSA), its secret not encrypted, and no subkey that could sign in its place. Undefined for any
 * other key (encrypted, RSA, v6, with a signing subkey): OpenPGP.js signs with those.
 * @throws Error when the key is damaged: its secret's checksum or its public half does not match.
 */
export function readEd25519Key(armoredKey: string): Ed25519Key | undefined {
  const bytes = dearmor(armoredKey, "PGP PRIVATE KEY BLOCK");
  const packets = bytes && readPackets(bytes);
  const body = packets?.[0]?.tag === 5 ? packets[0].body : undefined;
  // Version 4, then the creation time (4 octets), the algorithm, the curve's OID and the point.
  if (body?.[0] !== 4 || body[5] !== EDDSA_LEGACY) return undefined;
  if (packets!.some((packet) => packet.tag === 7 && SIGNING_ALGORITHMS.has(packet.body[5]!))) return undefined;
  const oidEnd = 7 + body[6]!;
  if (!ED25519_OID.equals(body.subarray(7, oidEnd))) return undefined;
  const point = readMpi(body, oidEnd);
  // 0x40 marks the point's native encoding, the only one Ed25519 keys use.
  if (point.value.length !== 33 || point.value[0] !== 0x40) return undefined;
  // The S2K usage octet: 0 is a secret stored in the clear.
  if (body[point.next] !== 0) return undefined;
  const secret = readMpi(body, point.next + 1);
  if (secret.value.length > 32 || secret.next + 2 > body.length) return undefined;
  const sum = body.subarray(point.next + 1, secret.next).reduce((total, byte) => (total + byte) & 0xffff, 0);
  if (sum !== body[secret.next]! * 256 + body[secret.next + 1]!)
    throw new Error("The signing key is damaged: its secret's checksum does not match");

  const seed = Buffer.alloc(32);
  seed.set(secret.value, 32 - secret.value.length);
  const x = Buffer.from(point.value.subarray(1)).toString("base64url");
  const jwk = { kty: "OKP", crv: "Ed25519", d: seed.toString("base64url"), x };
  const privateKey = createPrivateKey({ key: jwk, format: "jwk" });
  if (createPublicKey(privateKey).export({ format: "jwk" }).x !== x)
    throw new Error("The signing key is damaged: its secret does not match its public key");
  const publicPart = body.subarray(0, point.next);
  const framed = Uint8Array.of(0x99, publicPart.length >> 8, publicPart.length & 0xff);
  return { fingerprint: createHash("sha1").update(framed).update(publicPart).digest(), privateKey };
}

/**
 * A detached, armored v4 signature of `data` as a binary document (RFC 9580 §5.2.4), made at `at`,
 * hashed with SHA-512; it names its key by fingerprint (hashed) and key ID (for older readers).
 */
export function signEd25519(key: Ed25519Key, data: Uint8Array, at = new Date()): string {
  const created = Buffer.alloc(4);
  created.writeUInt32BE(Math.floor(at.getTime() / 1000));
  const hashed = Buffer.concat([Uint8Array.of(5, 2), created, Uint8Array.of(22, 33, 4), key.fingerprint]);
  const fields = Buffer.concat([Uint8Array.of(4, 0x00, EDDSA_LEGACY, SHA512, 0, hashed.length), hashed]);
  const trailer = Buffer.from([4, 0xff, 0, 0, 0, 0]);
  trailer.writeUInt32BE(fields.length, 2);
  const digest = createHash("sha512").update(data).update(fields).update(trailer).digest();
  // Legacy EdDSA signs the digest itself, and writes the signature's halves R and S as integers.
  const signature = sign(null, digest, key.privateKey);
  const unhashed = Buffer.concat([Uint8Array.of(9, 16), key.fingerprint.subarray(12)]);
  const body = Buffer.concat([
    ...[fields, Uint8Array.of(0, unhashed.length), unhashed, digest.subarray(0, 2)],
    ...[writeMpi(signature.subarray(0, 32)), writeMpi(signature.subarray(32))],
  ]);
  return armor("PGP SIGNATURE", writePacket(2, body));
}
