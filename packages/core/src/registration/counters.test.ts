import { describe, expect, it } from "vitest";
import { activeCounterUpdate, isoWeek, lastWeeks, weekAttribute } from "./counters.ts";

describe("isoWeek", () => {
  it("gives the ISO 8601 week, whose Thursday decides the year", () => {
    expect(isoWeek("2026-12-03T05:00:00Z")).toBe("2026-W49");
    expect(isoWeek("2021-01-03T23:59:59Z")).toBe("2020-W53");
    expect(isoWeek("2024-12-30T00:00:00Z")).toBe("2025-W01");
    expect(isoWeek("2026-01-01T00:00:00Z")).toBe("2026-W01");
    expect(isoWeek("2027-01-01T12:00:00Z")).toBe("2026-W53");
  });

  it("lists the last 52 weeks, oldest first, each once", () => {
    const weeks = lastWeeks(new Date("2026-12-03T05:00:00Z"), 52);
    expect(weeks).toHaveLength(52);
    expect(new Set(weeks).size).toBe(52);
    expect([weeks[0], weeks.at(-1)]).toEqual(["2025-W50", "2026-W49"]);
    expect(weekAttribute("2026-W49")).toBe("r2026W49");
  });
});

describe("activeCounterUpdate", () => {
  type Status = Parameters<typeof activeCounterUpdate>[2];
  const moved = (from: Status, to: Status & string, isCounted = true) => {
    const update = activeCounterUpdate("State", "a@b.example", from, to, isCounted)?.Update;
    return (
      update &&
      Object.fromEntries(
        Object.entries(update.ExpressionAttributeNames ?? {}).map(([name, attribute]) => [
          attribute,
          update.ExpressionAttributeValues?.[`:${name.slice(1)}`],
        ]),
      )
    );
  };

  it("moves active and the opted-out status together, and nothing when the status stays", () => {
    expect(moved("active", "unsubscribed")).toEqual({ active: -1, unsubscribedCounted: 1 });
    expect(moved("bounced", "active")).toEqual({ bouncedCounted: -1, active: 1 });
    expect(moved("bounced", "complained")).toEqual({ bouncedCounted: -1, complainedCounted: 1 });
    expect(moved("active", "active")).toBeUndefined();
  });

  it("moves only active for a registration not counted yet: the opted-out counts never held it", () => {
    expect(moved("unsubscribed", "active", false)).toEqual({ active: 1 });
    expect(moved("active", "bounced", false)).toEqual({ active: -1 });
    expect(moved("bounced", "complained", false)).toBeUndefined();
  });
});
