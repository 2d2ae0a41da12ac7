import { describe, expect, it } from "vitest";
import { groupCommit } from "./group-commit.ts";

describe("groupCommit", () => {
  it("writes a lone item at once, and items that arrive during a write together in the next", async () => {
    const writes: number[][] = [];
    const commit = groupCommit(
      async (items: number[]) => {
        writes.push(items);
        await new Promise((resolve) => setTimeout(resolve, 20));
      },
      { maxItems: 3 },
    );
    const first = commit(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await Promise.all([first, ...[2, 3, 4, 5, 6].map((item) => commit(item))]);
    expect(writes).toEqual([[1], [2, 3, 4], [5, 6]]);
  });

  it("writes each item of a failed write alone, so only the item that cannot be written fails", async () => {
    const commit = groupCommit(
      async (items: number[]) => {
        if (items.includes(13)) throw new Error(`cannot write ${items.join(", ")}`);
      },
      { maxItems: 10 },
    );
    const results = await Promise.allSettled([1, 13, 2].map((item) => commit(item)));
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new Error("cannot write 13"));
  });
});
