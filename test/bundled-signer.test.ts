// The functions sign with OpenPGP.js's lightweight build and compose with nodemailer's table of
// MIME types cut to text and HTML (packages/functions/bundle-plugins.mjs), the rest of the tests
// with the packages as published: this signs an email with the email module bundled as deployed,
// with a key GnuPG made as docs/operations.md says and with the local runner's, and GnuPG
// verifies both.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { generateSigningKey } from "@oemr-reg/local/signing-key";
import { generateKey } from "openpgp";
import { afterAll, describe, expect, it } from "vitest";
import { bundleHandler } from "../bench/support/bundle.ts";
import { cutSigned, gnupgHome, gpgVerify } from "./support/pgp.ts";

const out = mkdtempSync(join(tmpdir(), "oemr-bundled-signer-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const bundle = await bundleHandler("packages/core/src/email/index.ts", out);
const email = (await import(pathToFileURL(bundle.file).href)) as typeof import("@oemr-reg/core/email");
const { home, gpg } = gnupgHome();

const USER_ID = "OpenEMR Announcements <noreply@open-emr.org>";
/** The key docs/operations.md has an operator make: `gpg --quick-generate-key … ed25519 sign never`. */
function gnupgKey(): { armored: string; fingerprint: string } {
  expect(gpg("--passphrase", "", "--quick-generate-key", USER_ID, "ed25519", "sign", "never").status).toBe(0);
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(gpg("--with-colons", "--list-keys", USER_ID).out)![1]!;
  const exported = gpg("--armor", "--pinentry-mode", "loopback", "--passphrase", "", "--export-secret-keys", USER_ID);
  const armored = /-----BEGIN PGP PRIVATE KEY BLOCK-----[\s\S]+?-----END PGP PRIVATE KEY BLOCK-----/.exec(
    exported.out,
  )!;
  return { armored: armored[0], fingerprint };
}

describe("the bundled signer", () => {
  it("is OpenPGP.js's lightweight build", () => {
    expect(bundle.inputs.some((input) => input.includes("openpgp/dist/lightweight/openpgp.mjs"))).toBe(true);
  });

  it("composes with nodemailer's table of MIME types cut to the two parts it has, and no fetch", async () => {
    const chunks = Object.keys(bundle.chunks).map((chunk) => readFileSync(chunk, "utf8"));
    expect(chunks.some((code) => code.includes("application/vnd.zul"))).toBe(false);
    // Nor nodemailer's HTTP client, which only a part's `href` would call.
    expect(chunks.some((code) => code.includes("DEFAULT_MAX_TIME"))).toBe(false);
    const raw = (
      await email.composeRawEmail({
        ...{ from: "noreply@open-emr.org", to: "admin@clinic.example.org", subject: "OpenEMR 7.0.3" },
        ...{ text: "Please upgrade.\n", html: "<p>Please upgrade.</p>" },
      })
    ).toString();
    expect(raw).toMatch(/^Content-Type: text\/plain; charset=utf-8\r$/m);
    expect(raw).toMatch(/^Content-Type: text\/html; charset=utf-8\r$/m);
  });

  it("signs email and clearsigns pages that GnuPG verifies, with GnuPG's key, the runner's, a P-256 one", async () => {
    const local = await generateSigningKey(USER_ID);
    const made = gnupgKey();
    // Node's crypto signs email with the two Ed25519 keys (ed25519-signer.ts), OpenPGP.js with this.
    const p256 = await generateKey({ type: "ecc", curve: "nistP256", userIDs: [{ email: "noreply@open-emr.org" }] });
    for (const privateKey of [made.armored, local, p256.privateKey]) {
      const signer = email.createPgpSigner({ privateKey });
      const raw = await email.composeRawEmail({
        ...{ from: "noreply@open-emr.org", to: "admin@clinic.example.org", subject: "OpenEMR 7.0.3" },
        ...{ text: "Please upgrade.\n", html: "<p>Please upgrade.</p>", signer },
      });
      const published = await signer.published();
      const keyFile = join(home, `${published.current.fingerprint.replaceAll(" ", "")}.asc`);
      writeFileSync(keyFile, published.armored);
      gpg("--import", keyFile);
      const verified = gpgVerify(gpg, home, cutSigned(raw));
      expect(verified?.fingerprint).toBe(published.current.fingerprint.replaceAll(" ", ""));
      // The archive's pages are clearsigned by the same build.
      const page = join(home, "page.txt.asc");
      writeFileSync(page, await signer.clearsign("OpenEMR 7.0.3\n\nPlease upgrade.\n"));
      expect(gpg("--verify", page).out).toContain(`VALIDSIG ${verified?.fingerprint}`);
    }
    expect((await email.createPgpSigner({ privateKey: made.armored }).fingerprint()).replaceAll(" ", "")).toBe(
      made.fingerprint,
    );
  });
});
