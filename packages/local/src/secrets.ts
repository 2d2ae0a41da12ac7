import { randomBytes, randomInt } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SecretSpec } from "@oemr-reg/core/resources";
import { generateSigningKey } from "./signing-key.ts";

/**
 * Each secret from its environment variable, or else the value generated for this data folder on
 * an earlier start, or else a new one, kept there so a restart keeps unsubscribe links valid. An
 * optional secret (`generate: "none"`) is empty unless its variable is set. `generated` names
 * the secrets made just now, which the caller shows once. An OpenPGP key is made for `sender`.
 */
export async function localSecrets(
  specs: Record<string, SecretSpec>,
  dataDir: string,
  env: NodeJS.ProcessEnv,
  { sender }: { sender: string },
): Promise<{ values: Record<string, string>; generated: string[] }> {
  const file = join(dataDir, "secrets.json");
  let kept: Record<string, string> = {};
  try {
    kept = JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
  } catch {
    // First start in this folder.
  }
  const values: Record<string, string> = {};
  const generated: string[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    const value = env[spec.env] || kept[name];
    if (value || spec.generate === "none") {
      values[name] = value ?? "";
      continue;
    }
    values[name] = kept[name] =
      spec.generate === "pgp-key" ? await generateSigningKey(sender) : generate(spec.generate);
    generated.push(name);
  }
  if (generated.length > 0) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${JSON.stringify(kept, null, 2)}\n`, { mode: 0o600 });
  }
  return { values, generated };
}

// 32 letters and digits that cannot be mistaken for one another when read aloud or typed.
const PIN_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789";

function generate(kind: "pin" | "key"): string {
  if (kind === "key") return randomBytes(32).toString("base64url");
  // Four groups of five: 100 random bits, 23 characters to type.
  const group = () => Array.from({ length: 5 }, () => PIN_ALPHABET[randomInt(PIN_ALPHABET.length)]).join("");
  return Array.from({ length: 4 }, group).join("-");
}
