import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

/** A PGP/MIME message cut as RFC 3156 §5 reads it, from its raw bytes, by this test's own reading. */
export type SignedParts = { contentType: string; signedPart: Buffer; signature: string };

/**
 * The signed part (the bytes between the first delimiter's line end and the CRLF that precedes
 * the next delimiter, RFC 2046 §5.1.1) and the signature part's body.
 */
export function cutSigned(raw: Buffer): SignedParts {
  const text = raw.toString("latin1");
  const headerEnd = text.indexOf("\r\n\r\n");
  const headers = text.slice(0, headerEnd).replace(/\r\n[ \t]+/g, " ");
  const contentType = /^Content-Type: (.*)$/im.exec(headers)![1]!;
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)![1]!;
  const delimiter = `\r\n--${boundary}`;
  const first = text.indexOf(delimiter, headerEnd) + delimiter.length + 2;
  const second = text.indexOf(delimiter, first);
  const third = text.indexOf(delimiter, second + delimiter.length);
  const signaturePart = text.slice(second + delimiter.length + 2, third);
  return {
    contentType,
    signedPart: raw.subarray(first, second),
    signature: signaturePart.slice(signaturePart.indexOf("\r\n\r\n") + 4),
  };
}

/** A fresh GnuPG home for this test file, removed when it ends. */
export function gnupgHome(): { home: string; gpg: (...args: string[]) => { status: number; out: string } } {
  const home = mkdtempSync(join(tmpdir(), "oemr-gpg-"));
  afterAll(() => {
    spawnSync("gpgconf", ["--homedir", home, "--kill", "all"]);
    rmSync(home, { recursive: true, force: true });
  });
  return {
    home,
    gpg(...args) {
      const run = spawnSync("gpg", ["--homedir", home, "--batch", "--status-fd", "1", ...args], { encoding: "utf8" });
      return { status: run.status ?? -1, out: `${run.stdout}${run.stderr}` };
    },
  };
}

/**
 * `gpg --verify signature signed-part` in `home`: the good signature's fingerprint and hash
 * algorithm (its VALIDSIG status line), or undefined.
 */
export function gpgVerify(
  gpg: ReturnType<typeof gnupgHome>["gpg"],
  home: string,
  { signedPart, signature }: Pick<SignedParts, "signedPart" | "signature">,
): { fingerprint: string; hashAlgorithm: string } | undefined {
  const dir = mkdtempSync(join(home, "verify-"));
  writeFileSync(join(dir, "part"), signedPart);
  writeFileSync(join(dir, "sig.asc"), signature);
  const { status, out } = gpg("--verify", join(dir, "sig.asc"), join(dir, "part"));
  const valid = /\[GNUPG:\] VALIDSIG ([0-9A-F]{40}) (?:\S+ ){5}\d+ (\d+)/.exec(out);
  return status === 0 && valid ? { fingerprint: valid[1]!, hashAlgorithm: valid[2]! } : undefined;
}

/**
 * The Web Key Directory path of the direct method for `address`, from what `gpg-wks-client
 * --print-wkd-url` prints. GnuPG 2.2 prints the advanced method's URL only
 * (`openpgpkey.<domain>/.well-known/openpgpkey/<domain>/hu/<hash>?l=<local>`); the direct method
 * asks the same hash and query at `<domain>/.well-known/openpgpkey/hu/<hash>`.
 */
export function wkdDirectUrl(address: string): URL {
  const printed = execFileSync("/usr/lib/gnupg/gpg-wks-client", ["--print-wkd-url", address], { encoding: "utf8" });
  const domain = address.split("@")[1]!;
  const url = new URL(printed.trim().split("\n")[0]!);
  url.hostname = url.hostname.replace(/^openpgpkey\./, "");
  url.pathname = url.pathname.replace(`/.well-known/openpgpkey/${domain}/hu/`, "/.well-known/openpgpkey/hu/");
  return url;
}
