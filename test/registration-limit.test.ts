import { httpApiEvent, lambdaContext } from "@oemr-reg/local/lambda-events";
import { describe, expect, it } from "vitest";
import { checkedHandlerForFile, uniqueEmail } from "./support/serve.ts";
import { ownStack } from "./support/stack.ts";

// This file's stack allows 3 registration attempts an hour per IP, as REGISTRATION_LIMIT_PER_HOUR
// or the stage setting would; the general suites raise the limit out of the way.
const LIMIT = 3;
await ownStack("limit", { settings: { registrationLimitPerHour: LIMIT } });
const handler = checkedHandlerForFile((await import("@oemr-reg/functions/api")).handler);

function attempt(sourceIp: string, email: string) {
  return handler(
    httpApiEvent({
      method: "POST",
      path: "/api/registration",
      sourceIp,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email }).toString(),
    }),
    lambdaContext,
  );
}

describe("the registration limit per IP", () => {
  it(
    "answers 429 with Retry-After beyond the limit, " + "counting invalid attempts too, and leaves other IPs alone",
    async () => {
      const script = "198.51.100.20";
      expect((await attempt(script, uniqueEmail("limit"))).statusCode).toBe(201);
      expect((await attempt(script, "not-an-address")).statusCode).toBe(400);
      expect((await attempt(script, uniqueEmail("limit"))).statusCode).toBe(201);

      const email = uniqueEmail("limit");
      const refused = await attempt(script, email);
      expect(refused.statusCode).toBe(429);
      expect(JSON.parse(refused.body)).toEqual({
        error: "TooManyRequestsException",
        message: expect.stringContaining("Too many registrations"),
      });
      const retryAfter = Number(refused.headers?.["retry-after"]);
      expect(retryAfter).toBeGreaterThan(59 * 60);
      expect(retryAfter).toBeLessThanOrEqual(60 * 60);

      expect((await attempt("198.51.100.21", email)).statusCode).toBe(201);
      // The refused attempt stored nothing: the other IP's registration was the first.
      expect((await attempt(script, email)).statusCode).toBe(429);
    },
  );

  it("hides whether an address is registered once the limit is reached", async () => {
    const prober = "198.51.100.30";
    const known = uniqueEmail("known");
    expect((await attempt("198.51.100.31", known)).statusCode).toBe(201);
    for (let i = 0; i < LIMIT; i++) await attempt(prober, uniqueEmail("probe"));
    const statuses = [
      (await attempt(prober, known)).statusCode,
      (await attempt(prober, uniqueEmail("unknown"))).statusCode,
    ];
    expect(statuses).toEqual([429, 429]);
  });
});
