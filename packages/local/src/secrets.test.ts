import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { secrets } from "@oemr-reg/core/resources";
import { afterEach, describe, expect, it } from "vitest";
import { localSecrets } from "./secrets.ts";

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
  it("generates and keeps the PIN and the key, and leaves the previous key empty", () => {
    const dir = dataDir();
    const first = localSecrets(secrets, dir, {});
    expect(first.generated.sort()).toEqual(["SecretPin", "UnsubscribeKey"]);
    expect(first.values.UnsubscribeKeyPrevious).toBe("");
    expect(Object.keys(JSON.parse(readFileSync(join(dir, "secrets.json"), "utf8"))).sort()).toEqual([
      "SecretPin",
      "UnsubscribeKey",
    ]);
    expect(localSecrets(secrets, dir, {})).toEqual({ values: first.values, generated: [] });
  });

  it("generates a PIN long enough to be accepted, and easy to type: 4 groups of 5 unambiguous characters", () => {
    const pins = Array.from({ length: 20 }, () => localSecrets(secrets, dataDir(), {}).values.SecretPin!);
    for (const pin of pins) {
      expect(pin).toMatch(/^[a-km-np-z2-9]{5}(-[a-km-np-z2-9]{5}){3}$/);
      expect(pin.length).toBeGreaterThanOrEqual(secrets.SecretPin.minLength);
    }
    expect(new Set(pins).size).toBe(pins.length);
  });

  it("takes the previous key from its variable", () => {
    const { values, generated } = localSecrets(secrets, dataDir(), {
      UNSUBSCRIBE_KEY: "new-key",
      UNSUBSCRIBE_KEY_PREVIOUS: "old-key",
    });
    expect(values).toMatchObject({ UnsubscribeKey: "new-key", UnsubscribeKeyPrevious: "old-key" });
    expect(generated).toEqual(["SecretPin"]);
  });
});
