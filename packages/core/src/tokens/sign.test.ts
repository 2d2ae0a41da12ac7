import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { signToken, type TokenPurpose, verifyToken } from "./sign.ts";

const KEY = "test-signing-key-0123456789abcdef";
const PREVIOUS = "previous-signing-key-fedcba9876543210";
const NOW = new Date("2025-06-01T12:00:00Z");
const nowSeconds = NOW.getTime() / 1000;
const V2 = /^v2\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]+$/;

/** A token as the code before v2 signed it, written out again here so a change to sign.ts cannot follow it. */
function legacyToken(key: string, purpose: TokenPurpose, claims: { e: string; x?: number }): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  return `${payload}.${createHmac("sha256", key).update(`${purpose}.${payload}`).digest("base64url")}`;
}

/** `text` as a token might spell it: plain, URL-encoded, hex, and base64 at each of the three alignments. */
function spellings(text: string): string[] {
  const base64 = [0, 1, 2].flatMap((shift) => {
    const bytes = Buffer.concat([Buffer.alloc(shift), Buffer.from(text)]);
    // Only the characters encoding bytes of `text` alone: drop those mixed with the shift or the end.
    const inner = (encoded: string) => encoded.slice(Math.ceil((shift * 4) / 3) + 1, -4);
    return [inner(bytes.toString("base64url")), inner(bytes.toString("base64"))];
  });
  return [text, encodeURIComponent(text), Buffer.from(text).toString("hex"), ...base64].filter(
    (spelling) => spelling.length >= 4,
  );
}

describe("signToken and verifyToken", () => {
  it("round-trips the normalized address", async () => {
    const token = await signToken(KEY, { purpose: "unsubscribe", email: " Admin@Clinic.Example.ORG " });
    expect(token).toMatch(V2);
    expect(await verifyToken(KEY, token, "unsubscribe")).toEqual({ email: "admin@clinic.example.org" });
  });

  it("seals the broadcast a link was mailed by, with the address, and names none when made without", async () => {
    const broadcastId = crypto.randomUUID();
    const token = await signToken(KEY, { purpose: "unsubscribe", email: "a@example.org", broadcastId });
    expect(await verifyToken(KEY, token, "unsubscribe")).toEqual({ email: "a@example.org", broadcastId });
    const plain = await signToken(KEY, { purpose: "unsubscribe", email: "a@example.org" });
    expect(Object.keys((await verifyToken(KEY, plain, "unsubscribe"))!)).toEqual(["email"]);
    const longest = `${"a".repeat(64)}@${"b".repeat(185)}.org`;
    const long = await signToken(KEY, { purpose: "unsubscribe", email: longest, broadcastId: "b".repeat(100) });
    expect(long.length).toBeLessThan(700);
    await expect(
      signToken(KEY, { purpose: "unsubscribe", email: "a@example.org", broadcastId: "b".repeat(101) }),
    ).rejects.toThrow(RangeError);
  });

  it("keeps non-ASCII addresses intact", async () => {
    const token = await signToken(KEY, { purpose: "confirm", email: "jürgen@bücher.example" });
    expect(await verifyToken(KEY, token, "confirm")).toEqual({ email: "jürgen@bücher.example" });
  });

  it("fits the longest address in a URL-safe token of a few hundred characters", async () => {
    const email = `${"a".repeat(64)}@${"b".repeat(185)}.org`;
    expect(email).toHaveLength(254);
    const token = await signToken(KEY, { purpose: "confirm", email, expiresAt: nowSeconds + 60 });
    expect(token.length).toBeLessThan(500);
    expect(await verifyToken(KEY, token, "confirm", NOW)).toEqual({ email, expiresAt: nowSeconds + 60 });
  });

  it("reveals nothing of the address: no part of it in any spelling, and a new token each time", async () => {
    const email = "jane.doe.admin@clinic-example.org";
    const [first, second] = [
      await signToken(KEY, { purpose: "unsubscribe", email }),
      await signToken(KEY, { purpose: "unsubscribe", email }),
    ];
    expect(first).not.toBe(second);
    // The check finds the address where it is readable: in a token of the format before v2.
    expect(spellings(email).some((spelling) => legacyToken(KEY, "unsubscribe", { e: email }).includes(spelling))).toBe(
      true,
    );
    for (const token of [first, second]) {
      for (const part of [email, "jane.doe.admin", "clinic-example.org", JSON.stringify({ e: email })]) {
        for (const spelling of spellings(part)) expect(token, spelling).not.toContain(spelling);
      }
      expect(await verifyToken(KEY, token, "unsubscribe")).toEqual({ email });
    }
  });

  it("makes tokens of one length for addresses of similar lengths", async () => {
    const lengths = new Set<number>();
    for (const email of ["a@b.org", "ann@clinic.org", "administrator@clinic.org"]) {
      lengths.add((await signToken(KEY, { purpose: "unsubscribe", email })).length);
    }
    expect(lengths.size).toBe(1);
  });

  it("names the key it was made with by an id that is the same for every token of that key only", async () => {
    const id = (token: string) => token.split(".")[1];
    const [a, b] = [
      await signToken(KEY, { purpose: "unsubscribe", email: "a@example.org" }),
      await signToken(KEY, { purpose: "confirm", email: "b@example.org" }),
    ];
    expect(id(a)).toBe(id(b));
    expect(id(await signToken(PREVIOUS, { purpose: "unsubscribe", email: "a@example.org" }))).not.toBe(id(a));
    for (const spelling of spellings(KEY)) expect(a).not.toContain(spelling);
  });

  it("seals as Web Crypto's AES-256-GCM does, so tokens of earlier releases and later ones open alike", async () => {
    const token = await signToken(KEY, { purpose: "unsubscribe", email: "a@example.org", broadcastId: "b-1" });
    const master = await crypto.subtle.importKey("raw", new TextEncoder().encode(KEY), "HKDF", false, ["deriveKey"]);
    const info = new TextEncoder().encode("oemr-reg token v2 AES-256-GCM");
    const hkdf = { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(), info };
    const key = await crypto.subtle.deriveKey(hkdf, master, { name: "AES-GCM", length: 256 }, false, ["decrypt"]);
    const bytes = Buffer.from(token.split(".")[2]!, "base64url");
    const additionalData = new TextEncoder().encode("v2.unsubscribe");
    const opened = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes.subarray(0, 12), additionalData },
      key,
      bytes.subarray(12),
    );
    expect(JSON.parse(Buffer.from(opened).toString())).toEqual({ e: "a@example.org", b: "b-1" });
  });

  it("imports a key once however many tokens it signs", async () => {
    const importKey = vi.spyOn(crypto.subtle, "importKey");
    const key = `fresh-${crypto.randomUUID()}`;
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => signToken(key, { purpose: "unsubscribe", email: `a${i}@example.org` })),
    );
    expect(importKey).toHaveBeenCalledTimes(1);
    importKey.mockRestore();
  });

  it("rejects a token signed for another purpose", async () => {
    const unsubscribe = await signToken(KEY, { purpose: "unsubscribe", email: "a@example.org" });
    const confirm = await signToken(KEY, { purpose: "confirm", email: "a@example.org" });
    expect(await verifyToken(KEY, unsubscribe, "confirm")).toBeUndefined();
    expect(await verifyToken(KEY, confirm, "unsubscribe")).toBeUndefined();
  });

  it("accepts a token until it expires and rejects it from then on", async () => {
    const expiresAt = nowSeconds + 7 * 86_400;
    const token = await signToken(KEY, { purpose: "confirm", email: "a@example.org", expiresAt });
    expect(await verifyToken(KEY, token, "confirm", NOW)).toEqual({ email: "a@example.org", expiresAt });
    expect(await verifyToken(KEY, token, "confirm", new Date((expiresAt - 1) * 1000))).toBeDefined();
    expect(await verifyToken(KEY, token, "confirm", new Date(expiresAt * 1000))).toBeUndefined();
    expect(await verifyToken(KEY, token, "confirm", new Date((expiresAt + 86_400) * 1000))).toBeUndefined();
  });

  it("refuses to sign an expiry that is not whole epoch seconds, or with an empty key", async () => {
    await expect(signToken(KEY, { purpose: "confirm", email: "a@example.org", expiresAt: 1.5 })).rejects.toThrow(
      RangeError,
    );
    await expect(signToken("", { purpose: "confirm", email: "a@example.org" })).rejects.toThrow("empty");
  });

  it("rejects a token signed with another key", async () => {
    const token = await signToken("another-key", { purpose: "unsubscribe", email: "a@example.org" });
    expect(await verifyToken(KEY, token, "unsubscribe")).toBeUndefined();
  });

  it("rejects a token with any one character changed", async () => {
    const token = await signToken(KEY, { purpose: "confirm", email: "a@example.org", expiresAt: nowSeconds + 60 });
    await expectEveryOneCharacterChangeRejected(token);
  });

  it("rejects a token cut short or lengthened", async () => {
    const token = await signToken(KEY, { purpose: "unsubscribe", email: "a@example.org" });
    for (let end = 0; end < token.length; end++)
      expect(await verifyToken(KEY, token.slice(0, end), "unsubscribe")).toBeUndefined();
    expect(await verifyToken(KEY, `${token}AAAA`, "unsubscribe")).toBeUndefined();
  });

  it("returns undefined and never throws for arbitrary strings", async () => {
    const valid = await signToken(KEY, { purpose: "unsubscribe", email: "a@example.org" });
    const keyId = valid.split(".")[1]!;
    const anyString = fc.oneof(
      fc.string({ unit: "grapheme", maxLength: 200 }),
      fc.string({ unit: "binary", maxLength: 2000 }),
      fc.string({ unit: fc.constantFrom(..."AZaz09-_."), maxLength: 600 }),
      fc.tuple(fc.base64String(), fc.base64String()).map(([a, b]) => `${a}.${b}`),
      fc.string({ unit: fc.constantFrom(..."AZaz09-_"), maxLength: 600 }).map((body) => `v2.${keyId}.${body}`),
      fc.string({ maxLength: 50 }).map((junk) => valid.slice(0, -2) + junk),
    );
    await fc.assert(
      fc.asyncProperty(
        anyString,
        fc.constantFrom("unsubscribe" as const, "confirm" as const),
        async (token, purpose) => {
          fc.pre(token !== valid);
          expect(await verifyToken([KEY, PREVIOUS], token, purpose)).toBeUndefined();
        },
      ),
      { numRuns: 500 },
    );
    expect(await verifyToken(KEY, "x".repeat(5_000_000), "unsubscribe")).toBeUndefined();
    expect(await verifyToken(KEY, `v2.${keyId}.${"A".repeat(5_000_000)}`, "unsubscribe")).toBeUndefined();
  });
});

describe("rotating the key", () => {
  it("accepts a token of the previous key while it is given, and only then", async () => {
    const token = await signToken(PREVIOUS, { purpose: "unsubscribe", email: "a@example.org" });
    expect(await verifyToken([KEY, PREVIOUS], token, "unsubscribe")).toEqual({ email: "a@example.org" });
    expect(await verifyToken([KEY], token, "unsubscribe")).toBeUndefined();
    expect(await verifyToken([KEY, ""], token, "unsubscribe")).toBeUndefined();
    expect(await verifyToken([KEY, PREVIOUS], token, "confirm")).toBeUndefined();
  });

  it("signs with the current key only", async () => {
    const token = await signToken(KEY, { purpose: "unsubscribe", email: "a@example.org" });
    expect(await verifyToken([KEY, ""], token, "unsubscribe")).toEqual({ email: "a@example.org" });
    expect(await verifyToken([PREVIOUS], token, "unsubscribe")).toBeUndefined();
  });
});

describe("tokens of the format before v2", () => {
  it("verify with the current key or the previous one, for their purpose only, with their expiry", async () => {
    const current = legacyToken(KEY, "unsubscribe", { e: "a@example.org" });
    expect(await verifyToken(KEY, current, "unsubscribe")).toEqual({ email: "a@example.org" });
    const previous = legacyToken(PREVIOUS, "unsubscribe", { e: "a@example.org" });
    expect(await verifyToken([KEY, PREVIOUS], previous, "unsubscribe")).toEqual({ email: "a@example.org" });
    expect(await verifyToken([KEY, ""], previous, "unsubscribe")).toBeUndefined();
    expect(await verifyToken([KEY, PREVIOUS], previous, "confirm")).toBeUndefined();

    const expiring = legacyToken(PREVIOUS, "confirm", { e: "a@example.org", x: nowSeconds + 60 });
    expect(await verifyToken([KEY, PREVIOUS], expiring, "confirm", NOW)).toEqual({
      email: "a@example.org",
      expiresAt: nowSeconds + 60,
    });
    expect(await verifyToken([KEY, PREVIOUS], expiring, "confirm", new Date((nowSeconds + 60) * 1000))).toBeUndefined();
  });

  it("reject any one character changed", async () => {
    const token = legacyToken(PREVIOUS, "confirm", { e: "a@example.org", x: nowSeconds + 60 });
    await expectEveryOneCharacterChangeRejected(token);
  });

  it("reject a forged address with the original signature", async () => {
    const token = legacyToken(KEY, "unsubscribe", { e: "a@example.org" });
    const payload = Buffer.from(JSON.stringify({ e: "b@example.org" })).toString("base64url");
    const forged = `${payload}.${token.split(".")[1]}`;
    expect(await verifyToken([KEY, PREVIOUS], forged, "unsubscribe")).toBeUndefined();
  });
});

/** Every token that differs from `token` in one character, in the token alphabet, fails for "confirm". */
async function expectEveryOneCharacterChangeRejected(token: string): Promise<void> {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
  for (let i = 0; i < token.length; i++) {
    for (const replacement of alphabet) {
      if (replacement === token[i]) continue;
      const tampered = token.slice(0, i) + replacement + token.slice(i + 1);
      expect(await verifyToken([KEY, PREVIOUS], tampered, "confirm", NOW), tampered).toBeUndefined();
    }
  }
}
