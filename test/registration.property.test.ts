import { app } from "@oemr-reg/functions/api";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { serveForFile } from "./support/serve.ts";

const registrationUrl = `${await serveForFile(app)}/api/registration`;
const EXPECTED = new Set([201, 400, 409, 413, 415]);

async function expectClientAnswer(response: Response) {
  expect(EXPECTED).toContain(response.status);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  const body = (await response.json()) as Record<string, unknown>;
  if (response.status !== 201) expect(body.error).toEqual(expect.stringMatching(/Exception$/));
}

describe("POST /api/registration under arbitrary input", () => {
  it("never answers 5xx for any string as the email, form-encoded or JSON", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "grapheme", maxLength: 300 }), fc.boolean(), async (email, asJson) => {
        const response = asJson
          ? await fetch(registrationUrl, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ email }),
            })
          : await fetch(registrationUrl, { method: "POST", body: new URLSearchParams({ email }) });
        await expectClientAnswer(response);
      }),
      { numRuns: 150 },
    );
  });

  it("never answers 5xx for arbitrary bodies and content types", async () => {
    const contentType = fc.oneof(
      fc.constantFrom(
        "application/json",
        "application/x-www-form-urlencoded",
        "text/plain",
        "application/json; charset=latin1",
      ),
      fc.string({ maxLength: 40 }),
    );
    const body = fc.oneof(
      fc.json(),
      fc.string({ unit: "binary", maxLength: 2000 }),
      fc.uint8Array({ maxLength: 20_000 }),
      fc.dictionary(fc.string(), fc.jsonValue()).map((value) => JSON.stringify(value)),
    );
    await fc.assert(
      fc.asyncProperty(contentType, body, async (type, payload) => {
        const headers = new Headers();
        try {
          headers.set("content-type", type);
        } catch {
          // A value no HTTP client could send is not a case to test.
        }
        await expectClientAnswer(await fetch(registrationUrl, { method: "POST", headers, body: payload }));
      }),
      { numRuns: 150 },
    );
  });
});
