import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { composeRawEmail, createPgpSigner } from "@oemr-reg/core/email";
import { senderAddress } from "@oemr-reg/core/email/sender";
import { generateSigningKey } from "@oemr-reg/local/signing-key";
import { readPrivateKey } from "openpgp";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { apiLinkedWith } from "./support/linked-api.ts";
import { cutSigned, gnupgHome, gpgVerify, wkdDirectUrl } from "./support/pgp.ts";
import { checkedForFile } from "./support/serve.ts";

// This file's stack was linked with a new signing key (key A) and none retired.
const KEY_A = Resource.SigningKey.value;
const SENDER = senderAddress(Resource.Mailer.sender);
const fingerprintOf = async (armoredKey: string) =>
  (await readPrivateKey({ armoredKey })).getFingerprint().toUpperCase();

/** An email as the service composes one, signed with `privateKey`. */
async function signedEmail(privateKey: string): Promise<Buffer> {
  const signer = createPgpSigner({ privateKey });
  return composeRawEmail({
    ...{ from: SENDER, to: "admin@clinic.example.org", subject: "Patch", text: "Upgrade.\n", html: "<p>Upgrade.</p>" },
    signer,
  });
}

describe("the Web Key Directory", () => {
  it("serves the signing key, binary, at the direct method's path gpg-wks-client prints for the sender", async () => {
    const app = checkedForFile((await apiLinkedWith({ SigningKey: KEY_A, SigningKeysRetired: "" })).app);
    const url = wkdDirectUrl(SENDER);
    expect(url.hostname).toBe(SENDER.split("@")[1]);
    const response = await app.request(url.href);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    const binary = Buffer.from(await response.arrayBuffer());
    expect(binary.subarray(0, 5).toString()).not.toBe("-----"); // binary, not armored

    const { home, gpg } = gnupgHome();
    writeFileSync(join(home, "wkd.key"), binary);
    const imported = gpg("--import", join(home, "wkd.key"));
    expect(imported.out).toContain(`[GNUPG:] IMPORT_OK 1 ${await fingerprintOf(KEY_A)}`);
    expect(gpg("--list-keys", "--with-colons", SENDER).out).toMatch(new RegExp(`^uid:.*<${SENDER}>`, "m"));

    // And it verifies what the service signs.
    expect(gpgVerify(gpg, home, cutSigned(await signedEmail(KEY_A)))?.fingerprint).toBe(await fingerprintOf(KEY_A));

    const cached = await app.request(url.href, { headers: { "If-None-Match": response.headers.get("etag")! } });
    expect(cached.status).toBe(304);
    expect(response.headers.get("cache-control")).toBe("public, max-age=3600");
  });

  it("answers the policy on the sender's domain, and 404 on another host or for another address", async () => {
    const app = checkedForFile((await apiLinkedWith({ SigningKey: KEY_A, SigningKeysRetired: "" })).app);
    const url = wkdDirectUrl(SENDER);
    expect((await app.request(new URL("/.well-known/openpgpkey/policy", url).href)).status).toBe(200);
    const elsewhere = new URL(url);
    elsewhere.hostname = "reg.other.example.org";
    expect((await app.request(elsewhere.href)).status).toBe(404);
    expect((await app.request(new URL("/.well-known/openpgpkey/policy", elsewhere).href)).status).toBe(404);
    const other = wkdDirectUrl(`security@${url.hostname}`);
    const refused = await app.request(other.href);
    expect(refused.status).toBe(404);
    expect(await refused.json()).toMatchObject({ error: "NotFoundException" });
  });
});

describe("a rotation of the signing key", () => {
  it("publishes the new key and the retired one, so email signed before the rotation still verifies", async () => {
    const before = await signedEmail(KEY_A);
    const keyB = await generateSigningKey(Resource.Mailer.sender);
    const retired = (await readPrivateKey({ armoredKey: KEY_A })).toPublic().armor();
    const app = checkedForFile((await apiLinkedWith({ SigningKey: keyB, SigningKeysRetired: retired })).app);

    const response = await app.request("https://reg.test.example.org/announcements/key.asc");
    expect(response.status).toBe(200);
    const { home, gpg } = gnupgHome();
    writeFileSync(join(home, "key.asc"), await response.text());
    const imported = gpg("--import", join(home, "key.asc")).out;
    const [a, b] = [await fingerprintOf(KEY_A), await fingerprintOf(keyB)];
    expect(imported).toContain(`IMPORT_OK 1 ${a}`);
    expect(imported).toContain(`IMPORT_OK 1 ${b}`);
    expect(gpgVerify(gpg, home, cutSigned(before))?.fingerprint).toBe(a);
    expect(gpgVerify(gpg, home, cutSigned(await signedEmail(keyB)))?.fingerprint).toBe(b);

    // The WKD serves the current key only: what new email is signed with.
    const wkd = await app.request(wkdDirectUrl(SENDER).href);
    const { home: fresh, gpg: gpgFresh } = gnupgHome();
    writeFileSync(join(fresh, "wkd.key"), Buffer.from(await wkd.arrayBuffer()));
    expect(gpgFresh("--import", join(fresh, "wkd.key")).out).not.toContain(a);
  });

  it("lists the retired key's fingerprint on /announcements/keys, replaced when the new key was made", async () => {
    const group = (hex: string) => hex.match(/.{4}/g)!.join(" ");
    const alone = await (await apiLinkedWith({ SigningKey: KEY_A, SigningKeysRetired: "" })).app.request(
      "https://reg.test.example.org/announcements/keys",
    );
    expect(alone.status).toBe(200);
    expect(await alone.text()).toContain("None: this key is the first.");

    const keyB = await generateSigningKey(Resource.Mailer.sender);
    const retired = (await readPrivateKey({ armoredKey: KEY_A })).toPublic().armor();
    const app = (await apiLinkedWith({ SigningKey: keyB, SigningKeysRetired: retired })).app;
    const response = await app.request("https://reg.test.example.org/announcements/keys");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    const page = await response.text();
    const [a, b] = [group(await fingerprintOf(KEY_A)), group(await fingerprintOf(keyB))];
    const madeB = (await readPrivateKey({ armoredKey: keyB })).getCreationTime().toISOString();
    expect(page).toContain(`signed now with the key <code>${b}</code>`);
    const row = new RegExp(
      `<tr><td><code>${a}</code></td><td><time[^>]*>[^<]+</time></td>\\s*<td><time datetime="${madeB}">`,
    );
    expect(page).toMatch(row);
    expect(page).not.toContain(`<td><code>${b}</code>`);
  });
});
