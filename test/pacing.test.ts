import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { createDynamoSendPacer } from "@oemr-reg/core/broadcast";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";

const RATE = 100;
const INTERVAL_MS = 1000 / (RATE * 0.95);

/** A document client that counts the requests it sends, and the pacer that uses it. */
function countedPacer() {
  const db = createDocumentClient();
  const counted = { requests: 0 };
  db.middlewareStack.add(
    (next) => (args) => {
      counted.requests++;
      return next(args);
    },
    { step: "initialize" },
  );
  return { pacer: createDynamoSendPacer({ db, stateTable: Resource.State.name, ratePerSecond: RATE }), counted };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// A Date holds whole milliseconds: a slot at origin + i × interval is that, rounded down.
const ms = (times: Date[]) => times.map((time) => time.getTime());

// The tests share the file's one schedule item; a file's tests run one after another.
describe("send pacer", () => {
  it("restarts a schedule it left idle in one write, at now", async () => {
    const { pacer, counted } = countedPacer();
    await pacer.reserve(5, new Date());
    await sleep(100);
    counted.requests = 0;
    const now = new Date();
    const times = await pacer.reserve(5, now);
    expect(counted.requests).toBe(1);
    expect(ms(times)).toEqual([0, 1, 2, 3, 4].map((i) => Math.floor(now.getTime() + i * INTERVAL_MS)));
  });

  it("gives slots after another sender's when that sender reserved since, never the same ones", async () => {
    const [one, other] = [countedPacer(), countedPacer()];
    await one.pacer.reserve(5, new Date());
    await sleep(100);
    const theirs = ms(await other.pacer.reserve(5, new Date()));
    const ours = ms(await one.pacer.reserve(5, new Date()));
    expect(ours[0]).toBeGreaterThanOrEqual(Math.floor(theirs[4]! + INTERVAL_MS));
  });

  it("keeps spacing a busy schedule in one write a batch", async () => {
    const { pacer, counted } = countedPacer();
    const first = ms(await pacer.reserve(10, new Date()));
    counted.requests = 0;
    const second = ms(await pacer.reserve(10, new Date()));
    expect(counted.requests).toBe(1);
    expect(second[0]! - first[9]!).toBeGreaterThanOrEqual(Math.floor(INTERVAL_MS));
    expect(second[0]! - first[9]!).toBeLessThanOrEqual(Math.ceil(INTERVAL_MS));
  });
});
