import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { createPinGuard } from "@oemr-reg/core/limits/pin-guard";
import { handler } from "@oemr-reg/functions/api";
import { httpApiEvent, lambdaContext } from "@oemr-reg/local/lambda-events";
import { Resource } from "sst";
import { describe, expect, it, vi } from "vitest";
import { checkedHandlerForFile } from "./support/serve.ts";

const PIN = Resource.SecretPin.value;
const apiHandler = checkedHandlerForFile(handler);

function versions(sourceIp: string, pin: string) {
  return apiHandler(
    httpApiEvent({ method: "GET", path: "/api/registration/versions", sourceIp, headers: { "x-secret-pin": pin } }),
    lambdaContext,
  );
}

describe("wrong PINs from many IPs together", () => {
  it(
    "lock every PIN route for an hour after 50 within an hour, " + "and count a PinLockouts metric for the alarm",
    async () => {
      const written: string[] = [];
      const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
        written.push(String(chunk));
        return true;
      });
      let answers: Awaited<ReturnType<typeof versions>>[];
      try {
        // 12 addresses, 5 guesses each: 60 wrong PINs, fewer than any one address's limit would stop.
        answers = await Promise.all(
          Array.from({ length: 60 }, (_, i) => versions(`203.0.113.${100 + (i % 12)}`, `wrong-guess-${i}`)),
        );
      } finally {
        write.mockRestore();
      }
      const compared = answers.filter((a) => a.statusCode === 401).length;
      expect(compared).toBe(50);
      expect(answers.filter((a) => a.statusCode === 429)).toHaveLength(10);

      // The board, from an address that never guessed, is locked out too, for about an hour.
      const locked = await versions("192.0.2.1", PIN);
      expect(locked.statusCode).toBe(429);
      expect(JSON.parse(locked.body!).message).toMatch(/every PIN route is locked/);
      expect(Number(locked.headers?.["retry-after"])).toBeGreaterThan(59 * 60);

      const metricLines = written.filter((line) => line.includes('"PinLockouts"')).map((line) => JSON.parse(line));
      expect(metricLines).toHaveLength(1);
      expect(metricLines[0]).toMatchObject({
        PinLockouts: 1,
        service: "oemr-reg",
        _aws: { CloudWatchMetrics: [{ Namespace: "oemr-reg" }] },
      });
    },
  );
});

describe("wrong PINs from one IP", () => {
  it("lock it out for 15 minutes from the 5th, however late in its window that came", async () => {
    // Everyone's allowance is far away here: the test above used it up in this file's table.
    const db = createDocumentClient();
    const guard = createPinGuard({ db, stateTable: Resource.State.name, maxGlobalFailures: 100_000 });
    const ip = `198.51.100.7-${crypto.randomUUID()}`;
    const first = Date.now();
    const at = (minutes: number) => new Date(first + minutes * 60_000);
    // The first wrong PIN opens the window; the 5th comes 10 minutes later.
    for (const minutes of [0, 1, 2, 3, 10]) {
      const attempt = await guard.reserve(ip, at(minutes));
      if (!attempt.granted) throw new Error(`refused at minute ${minutes}`);
      await guard.failed(attempt, at(minutes));
    }
    const refused = await guard.reserve(ip, at(11));
    expect(refused).toMatchObject({ granted: false, scope: "ip" });
    const until = (refused as { until: Date }).until.getTime();
    expect(Math.abs(until - at(25).getTime())).toBeLessThan(1_000);
    expect(await guard.reserve(ip, at(24.5))).toMatchObject({ granted: false });
  });
});
