import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { createDynamoBroadcastStore } from "@oemr-reg/core/broadcast";
import { app } from "@oemr-reg/functions/api";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { serveForFile } from "./support/serve.ts";

const base = await serveForFile(app);
const store = createDynamoBroadcastStore({ db: createDocumentClient(), stateTable: Resource.State.name });

// 25 started broadcasts, a minute apart, and between them 30 that never started (as a scheduled
// broadcast is until its time): more of those than a page of the store holds, one after another.
const started: string[] = [];
const start = Date.parse("2026-01-01T00:00:00Z");
for (let i = 0; i < 55; i++) {
  const broadcastId = crypto.randomUUID();
  const now = new Date(start + i * 60_000);
  const queued = i >= 10 && i < 40;
  const content = { title: `${queued ? "Queued" : "Announcement"} ${i}`, contents: `Number ${i}` };
  await store.create({ broadcastId, content, totalSegments: 1, now });
  if (queued) continue;
  await store.markSending(broadcastId, now);
  started.unshift(broadcastId); // newest first, as the archive lists them
}

const linksOf = (page: string) => [...page.matchAll(/href="\/announcements\/([0-9a-f-]{36})"/g)].map((m) => m[1]);
const olderOf = (page: string) => /href="\/announcements\?after=([^"]+)"/.exec(page)?.[1];

describe("the archive's pages", () => {
  it("shows 20 announcements a page, newest first, then the rest after the older link", async () => {
    const first = await (await fetch(`${base}/announcements`)).text();
    expect(linksOf(first)).toEqual(started.slice(0, 20));
    expect(first).not.toContain("Queued");
    const older = olderOf(first);
    expect(older).toBeDefined();

    const response = await fetch(`${base}/announcements?after=${older}`);
    expect(response.status).toBe(200);
    const second = await response.text();
    expect(linksOf(second)).toEqual(started.slice(20));
    expect(olderOf(second)).toBeUndefined();
  });

  it("keeps the feeds to the newest page", async () => {
    const feed = (await (await fetch(`${base}/announcements/feed.json`)).json()) as { items: { id: string }[] };
    expect(feed.items.map((item) => item.id.split("/").at(-1))).toEqual(started.slice(0, 20));
  });
});
