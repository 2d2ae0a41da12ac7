import { createMessage, generateKey, readPrivateKey, readSignature, verify } from "openpgp";
import { describe, expect, it } from "vitest";
import { readEd25519Key, signEd25519 } from "./ed25519-signer.ts";
import { armor, dearmor } from "./openpgp-packets.ts";

const userIDs = [{ name: "OpenEMR Announcements", email: "noreply@open-emr.org" }];
// Made before the signatures below: a reader refuses a signature older than its key.
const date = new Date("2026-01-01T00:00:00Z");
const made = (curve: "ed25519Legacy" | "nistP256", passphrase?: string) =>
  generateKey({ type: "ecc", curve, userIDs, date, format: "armored", ...(passphrase && { passphrase }) });

describe("the Ed25519 signer", () => {
  it("signs what OpenPGP.js verifies with the key, at the given time, by the key's fingerprint", async () => {
    const { privateKey } = await made("ed25519Legacy");
    const key = readEd25519Key(privateKey)!;
    const openpgpKey = await readPrivateKey({ armoredKey: privateKey });
    expect(Buffer.from(key.fingerprint).toString("hex")).toBe(openpgpKey.getFingerprint());
    const data = new TextEncoder().encode("Content-Type: text/plain\r\n\r\nPlease upgrade.\r\n");
    const at = new Date("2026-12-07T10:00:00Z");
    const armored = signEd25519(key, data, at);
    const signature = await readSignature({ armoredSignature: armored });
    expect(signature.packets[0]!.created).toEqual(at);
    expect(signature.packets[0]!.hashAlgorithm).toBe(10);
    const checked = async (bytes: Uint8Array) => {
      const [result] = (
        await verify({
          message: await createMessage({ binary: bytes }),
          signature,
          verificationKeys: (await readPrivateKey({ armoredKey: privateKey })).toPublic(),
        })
      ).signatures;
      return result!.verified.then(
        () => true,
        () => false,
      );
    };
    expect(await checked(data)).toBe(true);
    expect(await checked(data.map((byte, i) => (i === 30 ? byte ^ 1 : byte)))).toBe(false);
  });

  it("leaves OpenPGP.js the keys it cannot sign with: another curve, an encrypted secret", async () => {
    expect(readEd25519Key((await made("nistP256")).privateKey)).toBeUndefined();
    expect(readEd25519Key((await made("ed25519Legacy", "a passphrase")).privateKey)).toBeUndefined();
    expect(readEd25519Key("not a key")).toBeUndefined();
  });

  it("refuses a key whose secret was damaged", async () => {
    const { privateKey } = await made("ed25519Legacy");
    const bytes = dearmor(privateKey, "PGP PRIVATE KEY BLOCK")!;
    // The secret's last octet, just before its 2-octet checksum, in the first packet (2-octet header).
    const end = 2 + bytes[1]!;
    const damaged = Buffer.from(bytes);
    damaged[end - 3]! ^= 1;
    expect(() => readEd25519Key(armor("PGP PRIVATE KEY BLOCK", damaged))).toThrow(
      "its secret's checksum does not match",
    );
  });
});
