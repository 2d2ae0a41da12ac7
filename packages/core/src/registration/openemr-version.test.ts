import { describe, expect, it } from "vitest";
import { compareOpenEmrVersions, formatOpenEmrVersion, parseOpenEmrVersion, versionBucket } from "./openemr-version.ts";

const compare = (a: string, b: string) =>
  Math.sign(compareOpenEmrVersions(parseOpenEmrVersion(a)!, parseOpenEmrVersion(b)!));

describe("OpenEMR versions", () => {
  it.each([
    // [a, b, sign of a - b]
    ["7.0.3 (4)", "7.0.3.4", 0],
    ["7.0.3", "7.0.3.0", 0],
    ["7", "7.0.0", 0],
    ["7.0", "7.0.0 (0)", 0],
    ["7.0.3.4", "7.0.4", -1],
    ["7.0.3 (4)", "7.0.3", 1],
    ["7.0.3 (2)", "7.0.3 (10)", -1],
    ["7.0.2", "7.0.3", -1],
    ["7.0.10", "7.0.9", 1],
    ["6.1.0", "7.0.0", -1],
    ["8.2.0-dev", "8.2.0", -1],
    ["8.2.0-dev", "8.1.9 (9)", 1],
    ["8.0.0-dev.2", "8.0.0-dev.10", -1],
    ["8.0.0-dev.2", "8.0.0", -1],
    ["7.0.3-dev (4)", "7.0.3", -1],
    ["v7.0.3", "7.0.3", 0],
  ] as const)("%s against %s: %i", (a, b, sign) => {
    expect(compare(a, b)).toBe(sign);
    expect(compare(b, a)).toBe(-sign || 0);
  });

  it.each(["", "seven", "7.0.3.4 (4)", "7.0.3.4.5", "7.0.3 beta", "7.0.3 (x)", "-dev", "7..3"])(
    "does not parse %j",
    (text) => {
      expect(parseOpenEmrVersion(text)).toBeUndefined();
    },
  );

  it("writes a version as OpenEMR's releases are named", () => {
    expect(formatOpenEmrVersion(parseOpenEmrVersion("7.0.3 (4)")!)).toBe("7.0.3.4");
    expect(formatOpenEmrVersion(parseOpenEmrVersion("8.2")!)).toBe("8.2.0");
    expect(formatOpenEmrVersion(parseOpenEmrVersion("8.2.0-dev")!)).toBe("8.2.0-dev");
  });
});

describe("versionBucket", () => {
  it("tallies a version under one name however OpenEMR wrote it", () => {
    expect(versionBucket("7.0.3 (4)")).toBe("7.0.3.4");
    expect(versionBucket("7.0.3.4")).toBe("7.0.3.4");
    expect(versionBucket("v7.0.3")).toBe("7.0.3");
    expect(versionBucket("8.2.0-dev")).toBe("8.2.0-dev");
  });

  it("keeps a text that is no OpenEMR version as it came", () => {
    expect(versionBucket("latest")).toBe("latest");
  });
});
