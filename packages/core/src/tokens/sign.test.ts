import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { signToken, verifyToken } from "./sign.ts";

const KEY = "test-signing-key-0123456789abcdef";
const NOW = new Date("2025-06-01T12:00:00Z");
const nowSeconds = NOW.getTime() / 1000;

describe("signToken and verifyToken", () => {
  it("round-trips the normalized address", async () => {
    const token = await signToken(KEY, { purpose: "unsubscribe", email: " Admin@Clinic.Example.ORG " });
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(await verifyToken(KEY, token, "unsubscribe")).toEqual({ email: "admin@clinic.example.org" });
  });

  it("keeps non-ASCII addresses intact", async () => {
    const token = await signToken(KEY, { purpose: "confirm", email: "jürgen@bücher.example" });
    expect(await verifyToken(KEY, token, "confirm")).toEqual({ email: "jürgen@bücher.example" });
  });

  it("imports a key once however many tokens it signs", async () => {
    const importKey = vi.spyOn(crypto.subtle, "importKey");
    const key = `fresh-${crypto.randomUUID()}`;
    await Promise.all(Array.from({ length: 100 }, (_, i) => signToken(key, { purpose: "unsubscribe", email: `a${i}@example.org` })));
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

  it("refuses to sign an expiry that is not whole epoch seconds", async () => {
    await expect(signToken(KEY, { purpose: "confirm", email: "a@example.org", expiresAt: 1.5 })).rejects.toThrow(RangeError);
  });

  it("rejects a token signed with another key", async () => {
    const token = await signToken("another-key", { purpose: "unsubscribe", email: "a@example.org" });
    expect(await verifyToken(KEY, token, "unsubscribe")).toBeUndefined();
  });

  it("rejects a token with any one character changed", async () => {
    const token = await signToken(KEY, { purpose: "confirm", email: "a@example.org", expiresAt: nowSeconds + 60 });
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
    for (let i = 0; i < token.length; i++) {
      for (const replacement of alphabet) {
        if (replacement === token[i]) continue;
        const tampered = token.slice(0, i) + replacement + token.slice(i + 1);
        expect(await verifyToken(KEY, tampered, "confirm", NOW), tampered).toBeUndefined();
      }
    }
  });

  it("rejects a payload re-signed by nobody: a forged address with the original signature", async () => {
    const token = await signToken(KEY, { purpose: "unsubscribe", email: "a@example.org" });
    const forged = `${Buffer.from(JSON.stringify({ e: "b@example.org" })).toString("base64url")}.${token.split(".")[1]}`;
    expect(await verifyToken(KEY, forged, "unsubscribe")).toBeUndefined();
  });

  it("returns undefined and never throws for arbitrary strings", async () => {
    const valid = await signToken(KEY, { purpose: "unsubscribe", email: "a@example.org" });
    const anyString = fc.oneof(
      fc.string({ unit: "grapheme", maxLength: 200 }),
      fc.string({ unit: "binary", maxLength: 2000 }),
      fc.string({ unit: fc.constantFrom(..."AZaz09-_."), maxLength: 600 }),
      fc.tuple(fc.base64String(), fc.base64String()).map(([a, b]) => `${a}.${b}`),
      fc.string({ maxLength: 50 }).map((junk) => valid.slice(0, -2) + junk),
    );
    await fc.assert(
      fc.asyncProperty(anyString, fc.constantFrom("unsubscribe" as const, "confirm" as const), async (token, purpose) => {
        fc.pre(token !== valid);
        expect(await verifyToken(KEY, token, purpose)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
    expect(await verifyToken(KEY, "x".repeat(5_000_000), "unsubscribe")).toBeUndefined();
  });
});
