import { describe, expect, it } from "vitest";
import { scheduleMs } from "./crons.ts";

describe("scheduleMs", () => {
  it("reads EventBridge's rate expressions as the local runner's intervals", () => {
    expect(scheduleMs("rate(5 minutes)")).toBe(300_000);
    expect(scheduleMs("rate(1 minute)")).toBe(60_000);
    expect(scheduleMs("rate(2 hours)")).toBe(7_200_000);
    expect(scheduleMs("rate(1 day)")).toBe(86_400_000);
  });

  it("refuses a schedule it cannot run as EventBridge would", () => {
    expect(() => scheduleMs("rate(2 weeks)" as never)).toThrow(/Unsupported schedule/);
    expect(() => scheduleMs("cron(0 * * * ? *)" as never)).toThrow(/Unsupported schedule/);
  });
});
