import { CONFIRMATION_SUBJECT } from "@oemr-reg/core/email";
import { signToken } from "@oemr-reg/core/tokens";
import { startSesProxy } from "@oemr-reg/local/ses-proxy";
import { simpleParser } from "mailparser";
import { createMessage, readKey, readKeys, readSignature, verify } from "openpgp";
import { Resource } from "sst";
import { afterAll, describe, expect, inject, it } from "vitest";
import { cutSigned, gnupgHome, gpgVerify } from "./support/pgp.ts";
import { postForm, postJson, serveForFile, uniqueEmail } from "./support/serve.ts";
import { eventually, runStackConsumers, untilBroadcastDone } from "./support/stack.ts";

// Every SendRawEmail goes through the proxy, which keeps the bytes SES was given: the emulator's
// /store keeps parsed fields only. The handlers' SES clients read the endpoint when they are built.
const proxy = await startSesProxy(inject("endpoints").ses, { keepRaw: true });
afterAll(() => proxy.close());
process.env.AWS_ENDPOINT_URL_SES = proxy.url;
const { app } = await import("@oemr-reg/functions/api");
const base = await serveForFile(app);
await runStackConsumers();
const PIN = Resource.SecretPin.value;

const { home, gpg } = gnupgHome();
const keyResponse = await fetch(`${base}/announcements/key.asc`);
const armoredKey = await keyResponse.text();
const key = await readKey({ armoredKey });
const FINGERPRINT = key.getFingerprint().toUpperCase();
const imported = gpg("--import", await writeTemp("key.asc", armoredKey));

async function writeTemp(name: string, content: string): Promise<string> {
  const { writeFileSync } = await import("node:fs");
  const path = `${home}/${name}`;
  writeFileSync(path, content);
  return path;
}

function sentTo(address: string): Buffer[] {
  return proxy.sends.filter((send) => send.recipient.includes(address)).map((send) => send.raw!);
}

async function openpgpVerifies(signedPart: Buffer, signature: string): Promise<boolean> {
  const { signatures } = await verify({
    message: await createMessage({ binary: signedPart }),
    signature: await readSignature({ armoredSignature: signature }),
    verificationKeys: await readKeys({ armoredKeys: armoredKey }),
  });
  return signatures[0]!.verified.then(
    () => true,
    () => false,
  );
}

/** Checks one raw message as a recipient's client would, and returns its signed part, parsed. */
async function expectSignedByTheKey(raw: Buffer) {
  const parts = cutSigned(raw);
  const micalg = /^multipart\/signed; protocol="application\/pgp-signature"; micalg=(pgp-sha\d+);/.exec(
    parts.contentType,
  )?.[1];
  // The micalg names the hash GnuPG found in the signature (RFC 4880 §9.4: 8 SHA-256, 10 SHA-512).
  const verified = gpgVerify(gpg, home, parts);
  expect(verified?.fingerprint).toBe(FINGERPRINT);
  expect(micalg).toBe({ "8": "pgp-sha256", "10": "pgp-sha512" }[verified!.hashAlgorithm]);
  expect(await openpgpVerifies(parts.signedPart, parts.signature)).toBe(true);
  // The signed part is 7-bit, CRLF only, with short lines and no trailing space.
  const signed = parts.signedPart.toString("latin1");
  expect(signed).not.toMatch(/[^\t\r\n -~]|(?<!\r)\n|[ \t]\r\n|[^\r\n]{77}/);

  // One byte changed in the signed part: neither GnuPG nor OpenPGP.js accepts it.
  const tampered = Buffer.from(parts.signedPart);
  const at = tampered.indexOf("upgrade") >= 0 ? tampered.indexOf("upgrade") : tampered.length - 10;
  tampered[at] = tampered[at]! ^ 0x20;
  expect(gpgVerify(gpg, home, { signedPart: tampered, signature: parts.signature })).toBeUndefined();
  expect(await openpgpVerifies(tampered, parts.signature)).toBe(false);
  return simpleParser(parts.signedPart);
}

describe("signed email", () => {
  it("publishes the signing key at /announcements/key.asc, which imports into a fresh GnuPG home", () => {
    expect(keyResponse.headers.get("content-type")).toBe("application/pgp-keys");
    expect(imported.out).toContain(`[GNUPG:] IMPORT_OK 1 ${FINGERPRINT}`);
    expect(key.getUserIDs()).toEqual(["OpenEMR Announcements <noreply@test.example.org>"]);
  });

  it("signs each recipient's broadcast email as PGP/MIME over the bytes SES was given", async () => {
    const emails = Array.from({ length: 3 }, () => uniqueEmail("signed"));
    for (const email of emails) expect((await postForm(`${base}/api/registration`, { email })).status).toBe(201);
    const title = `Signed release ${crypto.randomUUID()}`;
    // Trailing spaces, an mbox "From " line, non-ASCII and a long line: what relays rewrite.
    const contents = `Please upgrade now. \n\nFrom the board: café ${"long ".repeat(40)}\n\n<https://open-emr.org>`;
    const started = await postJson(`${base}/api/registration/broadcast`, { secretPin: PIN, title, contents });
    expect(started.status).toBe(200);
    const { broadcastId } = (await started.json()) as { broadcastId: string };
    await untilBroadcastDone(base, PIN, broadcastId);

    for (const email of emails) {
      const [raw, ...more] = sentTo(email);
      expect(more).toEqual([]);
      const top = raw!.toString("latin1").slice(0, raw!.indexOf("\r\n\r\n"));
      expect(top).toMatch(/^List-Unsubscribe:\s+</m);
      expect(top).toContain(`X-Broadcast-ID: ${broadcastId}`);
      const signed = await expectSignedByTheKey(raw!);
      expect(signed.text).toContain("From the board: café");
      const grouped = FINGERPRINT.match(/.{4}/g)!.join(" ");
      expect(signed.text).toContain(
        `by the key ${grouped}, published at https://reg.test.example.org/announcements/key.asc`,
      );
      expect(signed.text).toContain(`https://reg.test.example.org/announcements/${broadcastId}`);
      expect(signed.html).toContain(grouped);
    }
  });

  it("signs the confirmation email of a re-registration", async () => {
    const email = uniqueEmail("reconfirm");
    expect((await postForm(`${base}/api/registration`, { email })).status).toBe(201);
    const token = await signToken(Resource.UnsubscribeKey.value, { purpose: "unsubscribe", email });
    const unsubscribe = `${base}/api/registration/unsubscribe/${token}`;
    expect((await postForm(unsubscribe, { "List-Unsubscribe": "One-Click" })).status).toBe(200);
    expect((await postForm(`${base}/api/registration`, { email })).status).toBe(201);
    const raw = await eventually(async () => sentTo(email)[0], 10_000, "the confirmation email");
    const signed = await expectSignedByTheKey(raw);
    expect(raw.toString("latin1")).toContain(`Subject: ${CONFIRMATION_SUBJECT}`);
    expect(signed.text).toContain("/api/registration/confirm/");
  });
});
