import { describe, expect, it } from "vitest";
import { BroadcastMessage, MAX_CONTENT_BYTES } from "./message.ts";

const valid = { title: "Security release 7.0.3.4", contents: "Please upgrade." };

function issues(input: unknown) {
  const result = BroadcastMessage.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
}

describe("BroadcastMessage", () => {
  it("accepts a title and Markdown contents, with the title trimmed", () => {
    expect(BroadcastMessage.parse({ ...valid, title: "  Patch  " })).toEqual({ ...valid, title: "Patch" });
  });

  it("accepts a title of exactly 200 characters and contents of exactly 200 KiB", () => {
    expect(issues({ title: "t".repeat(200), contents: "c".repeat(MAX_CONTENT_BYTES) })).toEqual([]);
  });

  it("rejects a missing, empty or blank title", () => {
    expect(issues({ contents: "x" })).toEqual(["title: A title is required"]);
    expect(issues({ ...valid, title: "" })).toEqual(["title: A title is required"]);
    expect(issues({ ...valid, title: " \t " })).toEqual(["title: A title is required"]);
  });

  it("rejects a title of 201 characters", () => {
    expect(issues({ ...valid, title: "t".repeat(201) })).toEqual(["title: A title has at most 200 characters"]);
  });

  it("rejects missing or whitespace-only contents", () => {
    expect(issues({ title: "t" })).toEqual(["contents: The contents are required"]);
    expect(issues({ ...valid, contents: " \n\t " })).toEqual(["contents: The contents are required"]);
  });

  it("rejects contents one byte over 200 KiB, counting UTF-8 bytes rather than characters", () => {
    expect(issues({ ...valid, contents: "c".repeat(MAX_CONTENT_BYTES + 1) })).toEqual(["contents: At most 200 KiB"]);
    // 70,000 characters but 210,000 bytes
    expect(issues({ ...valid, contents: "€".repeat(70_000) })).toEqual(["contents: At most 200 KiB"]);
  });

  it("rejects html over 200 KiB", () => {
    expect(issues({ ...valid, html: `<p>${"h".repeat(MAX_CONTENT_BYTES)}</p>` })).toEqual(["html: At most 200 KiB"]);
  });
});
