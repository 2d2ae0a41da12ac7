import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { secrets } from "@oemr-reg/core/resources";
import { readPrivateKey } from "openpgp";
import { afterEach, describe, expect, it } from "vitest";
import { localSecrets } from "./secrets.ts";

const SENDER = { sender: "OpenEMR Announcements <noreply@open-emr.org>" };
const pinOnly = { SecretPin: secrets.SecretPin };

const dirs: string[] = [];
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "oemr-secrets-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("localSecrets", () => {
  it("generates and keeps the PIN, the key and the signing key, and leaves the optional ones empty", async () => {
    const dir = dataDir();
    const first = await localSecrets(secrets, dir, {}, SENDER);
    expect(first.generated.sort()).toEqual(["SecretPin", "SigningKey", "UnsubscribeKey"]);
    expect(first.values.UnsubscribeKeyPrevious).toBe("");
    expect(first.values.SigningKeysRetired).toBe("");
    const key = await readPrivateKey({ armoredKey: first.values.SigningKey! });
    expect((await key.getPrimaryUser()).user.userID?.userID).toBe("OpenEMR Announcements <noreply@open-emr.org>");
    expect(key.getAlgorithmInfo()).toMatchObject({ algorithm: "eddsaLegacy", curve: "ed25519Legacy" });
    expect(Object.keys(JSON.parse(readFileSync(join(dir, "secrets.json"), "utf8"))).sort()).toEqual([
      "SecretPin",
      "SigningKey",
      "UnsubscribeKey",
    ]);
    expect(await localSecrets(secrets, dir, {}, SENDER)).toEqual({ values: first.values, generated: [] });
  });

  it("generates a PIN long enough to be accepted, and easy to type: 4 groups of 5 unambiguous characters", async () => {
    const pins: string[] = [];
    for (let run = 0; run < 20; run++)
      pins.push((await localSecrets(pinOnly, dataDir(), {}, SENDER)).values.SecretPin!);
    for (const pin of pins) {
      expect(pin).toMatch(/^[a-km-np-z2-9]{5}(-[a-km-np-z2-9]{5}){3}$/);
      expect(pin.length).toBeGreaterThanOrEqual(secrets.SecretPin.minLength);
    }
    expect(new Set(pins).size).toBe(pins.length);
  });

  it("takes the previous key and the signing key from their variables", async () => {
    const { values, generated } = await localSecrets(
      secrets,
      dataDir(),
      {
        SIGNING_KEY: "armored key",
        UNSUBSCRIBE_KEY: "new-key",
        UNSUBSCRIBE_KEY_PREVIOUS: "old-key",
      },
      SENDER,
    );
    expect(values).toMatchObject({
      UnsubscribeKey: "new-key",
      UnsubscribeKeyPrevious: "old-key",
      SigningKey: "armored key",
    });
    expect(generated).toEqual(["SecretPin"]);
  });
});
