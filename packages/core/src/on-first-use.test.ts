import { describe, expect, it } from "vitest";
import { onFirstCall } from "./on-first-use.ts";

/** A store of two methods that counts its builds; `failNext` fails the next build. */
function counted() {
  const builds = { count: 0, failNext: false };
  const load = async () => {
    builds.count++;
    if (builds.failNext) {
      builds.failNext = false;
      throw new Error("chunk failed to load");
    }
    const items = new Map<string, number>();
    return {
      async put(key: string, value: number) {
        items.set(key, value);
      },
      async get(key: string) {
        return items.get(key);
      },
    };
  };
  return { store: onFirstCall(load), builds };
}

describe("onFirstCall", () => {
  it("builds the store on its first call, once, however many calls come at once", async () => {
    const { store, builds } = counted();
    expect(builds.count).toBe(0);
    await Promise.all([store.put("a", 1), store.put("b", 2), store.get("a")]);
    expect(await store.get("b")).toBe(2);
    expect(builds.count).toBe(1);
  });

  it("is no promise: awaiting it or a holder of it builds nothing", async () => {
    const { store, builds } = counted();
    expect(await Promise.resolve(store)).toBe(store);
    expect((await (async () => ({ store }))()).store).toBe(store);
    expect(builds.count).toBe(0);
  });

  it("builds again on the next call after a failed build", async () => {
    const { store, builds } = counted();
    builds.failNext = true;
    await expect(store.get("a")).rejects.toThrow("chunk failed to load");
    await store.put("a", 1);
    expect(await store.get("a")).toBe(1);
    expect(builds.count).toBe(2);
  });
});
