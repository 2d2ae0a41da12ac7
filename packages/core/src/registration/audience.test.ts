import { describe, expect, it } from "vitest";
import { Audience, normalizeAudience } from "./audience.ts";
import { createAudienceFilter } from "./audience-filter.ts";

describe("audience", () => {
  it("takes everyone when absent, and without a known version too", () => {
    const verdict = createAudienceFilter(undefined);
    expect(verdict({})).toBe("in");
    expect(verdict({ version: "5.0.1", distribution: "docker" })).toBe("in");
  });

  it.each([
    ["7.0.2", "in"],
    ["7.0.2 (9)", "in"],
    ["7.0.3-dev", "in"],
    ["7.0.3", "out"],
    ["7.0.3 (4)", "out"],
    ["7.0.4", "out"],
    [undefined, "unknown-version"],
    ["", "unknown-version"],
    ["not a version", "unknown-version"],
  ] as const)("below 7.0.3: %j is %s", (version, expected) => {
    expect(createAudienceFilter({ belowVersion: "7.0.3" })({ version })).toBe(expected);
  });

  it("takes the distributions named, `unknown` for registrations that sent none, before the version", () => {
    const verdict = createAudienceFilter({ belowVersion: "7.0.3", distributions: ["docker", "unknown"] });
    expect(verdict({ version: "7.0.2", distribution: "docker" })).toBe("in");
    expect(verdict({ version: "7.0.2" })).toBe("in");
    expect(verdict({ version: "7.0.2", distribution: "aws-standard" })).toBe("out");
    expect(verdict({ distribution: "aws-standard" })).toBe("out");
    expect(verdict({ distribution: "docker" })).toBe("unknown-version");
  });

  it("refuses a version OpenEMR would not write, and normalizes what it takes", () => {
    expect(Audience.safeParse({ belowVersion: "seven" }).success).toBe(false);
    expect(Audience.safeParse({ distributions: [] }).success).toBe(false);
    expect(normalizeAudience(Audience.parse({ distributions: ["docker", " aws ", "docker"] }))).toEqual({
      distributions: ["aws", "docker"],
    });
    expect(normalizeAudience({})).toBeUndefined();
    expect(normalizeAudience(undefined)).toBeUndefined();
  });
});
