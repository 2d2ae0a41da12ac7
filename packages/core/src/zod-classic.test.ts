import { describe, expect, it } from "vitest";
import { z as classic } from "zod";
import { Broadcast } from "./broadcast/store.ts";
import { Audience } from "./registration/audience.ts";
import { classicOf } from "./zod-classic.ts";
import * as z from "./zod-mini.ts";

describe("classicOf", () => {
  it("parses and fails as the mini schema, with the same issues", () => {
    const twin = classicOf(Audience);
    for (const input of [
      { belowVersion: " 7.0.3 ", distributions: [" docker "] },
      { belowVersion: "seven" },
      { belowVersion: "7.0.3 (4) (5)" },
      { distributions: [] },
      { distributions: [""] },
      { other: true },
      "everyone",
    ]) {
      const [mini, classicResult] = [Audience.safeParse(input), twin.safeParse(input)];
      expect(classicResult.success, JSON.stringify(input)).toBe(mini.success);
      expect(classicResult.data).toEqual(mini.data);
      expect(classicResult.error?.issues).toEqual(mini.error?.issues);
    }
  });

  it("is a classic schema with the mini one's metadata, its inner schemas too", () => {
    const twin = classicOf(Broadcast) as unknown as classic.ZodObject;
    expect(twin).toBeInstanceOf(classic.ZodObject);
    expect(twin.shape.recipients.meta()).toEqual({
      description: "Recipients found so far; final once the fan-out is done",
    });
    expect(classic.toJSONSchema(twin)).toEqual(classic.toJSONSchema(Broadcast));
  });

  it("refuses a kind it does not know, rather than describe it wrongly", () => {
    expect(() => classicOf(z.uuid())).toThrow("No classic twin for a mini string");
    expect(() => classicOf(z.record(z.string(), z.int()))).toThrow("No classic twin for a mini record");
  });
});
