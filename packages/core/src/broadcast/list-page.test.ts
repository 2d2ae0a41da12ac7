import { describe, expect, it } from "vitest";
import { decodeListCursor, encodeListCursor, pageOf } from "./list-page.ts";

const item = (createdAt: string, broadcastId: string) => ({ createdAt, broadcastId });

describe("pageOf", () => {
  it("pages newest first, ties in a fixed order, each page after the last one's cursor", () => {
    const same = "2026-12-03T08:00:00.000Z";
    const items = [item("2026-12-01T00:00:00.000Z", "a"), item(same, "b"), item(same, "c"), item(same, "d")];
    const first = pageOf(items, { limit: 2 });
    expect(first.page.map(({ broadcastId }) => broadcastId)).toEqual(["d", "c"]);
    expect(first.next).toEqual({ createdAt: same, broadcastId: "c" });
    const second = pageOf(items, { limit: 2, after: first.next });
    expect(second.page.map(({ broadcastId }) => broadcastId)).toEqual(["b", "a"]);
    expect(second.next).toBeUndefined();
  });
});

describe("the cursor in a URL", () => {
  it("reads back what it wrote, and nothing it did not", () => {
    const cursor = { createdAt: "2026-12-03T08:00:00.000Z", broadcastId: "8f0e" };
    expect(decodeListCursor(encodeListCursor(cursor))).toEqual(cursor);
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    for (const text of [
      "",
      "e30",
      "not base64!",
      encode({ ...cursor, extra: 1 }),
      encode({ ...cursor, createdAt: "x" }),
    ])
      expect(decodeListCursor(text)).toBeUndefined();
    expect(decodeListCursor("A".repeat(401))).toBeUndefined();
  });
});
