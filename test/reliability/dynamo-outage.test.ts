import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { normalizeEmail } from "@oemr-reg/core/registration";
import { api } from "@oemr-reg/core/resources";
import { describe, expect, inject, it } from "vitest";
import { postForm, serveForFile, uniqueEmail } from "../support/serve.ts";
import { recordFigure, recordSecrets } from "./support/figures.ts";
import { storedAddresses } from "./support/registrations.ts";
import { type CutMode, startTcpProxy } from "./support/tcp-proxy.ts";

// The test's own client reads the table directly; the API reaches it only through the proxy.
const direct = createDocumentClient();
const proxy = await startTcpProxy(inject("endpoints").dynamodb);
process.env.AWS_ENDPOINT_URL_DYNAMODB = proxy.url;
const { app } = await import("@oemr-reg/functions/api");
const base = await serveForFile(app);

/** The API function's timeout: no answer may take longer. */
const FUNCTION_TIMEOUT_MS = api.timeoutSeconds * 1000;
const CALLERS = 8;

type Answer = {
  email: string;
  status: number;
  ms: number;
  body: string;
  retryAfter: string | null;
  type: string | null;
  at: number;
};

// A stall longer than the function's timeout must get the API's own 503 before it, not the gateway's.
const cuts: [CutMode, number][] = [
  ["refuse", 5_000],
  ["stall", 5_000],
  ["stall", 15_000],
];
describe.each(cuts)("DynamoDB unreachable (%s for %i ms)", (mode, outageMs) => {
  it("answers 503 with JSON and Retry-After, never past the function's timeout, " +
    "recovers, and loses no acknowledged registration", async () => {
    const answers: Answer[] = [];
    let running = true;
    const caller = async () => {
      while (running) {
        const email = uniqueEmail("outage");
        const started = performance.now();
        const response = await postForm(`${base}/api/registration`, { email });
        answers.push({
          email,
          status: response.status,
          ms: performance.now() - started,
          body: await response.text(),
          retryAfter: response.headers.get("retry-after"),
          type: response.headers.get("content-type"),
          at: Date.now(),
        });
      }
    };
    const callers = Array.from({ length: CALLERS }, caller);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const cutAt = Date.now();
    await proxy.cut(mode, outageMs);
    const restoredAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    running = false;
    await Promise.all(callers);
    recordSecrets(...answers.map((answer) => answer.email));

    const unavailable = answers.filter((answer) => answer.status === 503);
    const other = answers.filter((answer) => answer.status !== 201 && answer.status !== 503);
    const acknowledged = answers.filter((answer) => answer.status === 201);
    const stored = await storedAddresses(direct);
    const missing = acknowledged.filter((answer) => !stored.has(normalizeEmail(answer.email)));
    const slowest = Math.max(...answers.map((answer) => answer.ms));
    // Recovered by itself: everything asked well after the cut ended succeeded.
    const late = answers.filter((answer) => answer.at - answer.ms > restoredAt + 3_000);
    const counts = (await (await fetch(`${base}/api/registration/unique`)).json()) as { count: number };
    recordFigure({
      check: `DynamoDB unreachable ${outageMs / 1000} s (${mode})`,
      tried: `${answers.length} registrations by ${CALLERS} callers around a ${outageMs / 1000} s cut`,
      count: answers.length,
      lost: missing.length,
      notes:
        `201×${acknowledged.length} 503×${unavailable.length} other×${other.length}; ` +
        `slowest ${Math.round(slowest)} ms; ` +
        `recovered ${late.length > 0 && late.every((a) => a.status === 201) ? "yes" : "no"}`,
    });

    // A refused connection fails fast, so requests during the cut get 503s; a short stall holds
    // them until the network comes back, within the timeout, and most then succeed; a long one
    // runs them out of time.
    if (mode === "refuse" || outageMs > FUNCTION_TIMEOUT_MS) expect(unavailable.length).toBeGreaterThan(0);
    for (const answer of unavailable) {
      expect(answer.type).toMatch(/^application\/json/);
      expect(JSON.parse(answer.body)).toMatchObject({ error: "ServiceUnavailableException" });
      expect(Number(answer.retryAfter)).toBeGreaterThan(0);
    }
    expect(other.map((answer) => `${answer.status} ${answer.body}`)).toEqual([]);
    expect(slowest).toBeLessThan(FUNCTION_TIMEOUT_MS);
    expect(late.length).toBeGreaterThan(10);
    expect(late.every((answer) => answer.status === 201)).toBe(true);
    expect(missing).toEqual([]);
    expect(counts.count).toBe(stored.size);
    expect(cutAt).toBeLessThan(restoredAt);
  }, 90_000);
});
