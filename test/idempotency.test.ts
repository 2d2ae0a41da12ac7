import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { createApiClient } from "@oemr-reg/cli/api";
import { createDocumentClient, queryAll } from "@oemr-reg/core/aws/dynamo";
import {
  type Broadcast,
  createDynamoBroadcastStore,
  FANOUT_SEGMENTS,
  STALLED_AFTER_MS,
} from "@oemr-reg/core/broadcast";
import { BROADCAST_LIST_PK } from "@oemr-reg/core/state/keys";
import { app } from "@oemr-reg/functions/api";
import { handler as requeue } from "@oemr-reg/functions/requeue";
import { Resource } from "sst";
import { afterAll, describe, expect, it } from "vitest";
import { postForm, serveForFile, uniqueEmail } from "./support/serve.ts";
import { emailsWithSubject, eventually, runStackConsumers } from "./support/stack.ts";

const base = await serveForFile(app);
await runStackConsumers();
const PIN = Resource.SecretPin.value;
const broadcasts = createDynamoBroadcastStore({ db: createDocumentClient(), stateTable: Resource.State.name });

const recipients = Array.from({ length: 3 }, () => uniqueEmail("idem"));
for (const email of recipients) expect((await postForm(`${base}/api/registration`, { email })).status).toBe(201);

function post(body: Record<string, unknown>, key?: string) {
  return fetch(`${base}/api/registration/broadcast`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key === undefined ? {} : { "idempotency-key": key }) },
    body: JSON.stringify({ secretPin: PIN, ...body }),
  });
}

async function progress(broadcastId: string): Promise<Broadcast> {
  return (await (
    await fetch(`${base}/api/registration/broadcast/${broadcastId}`, { headers: { "X-Secret-Pin": PIN } })
  ).json()) as Broadcast;
}

const untilDone = (broadcastId: string) =>
  eventually(
    async () => ((await progress(broadcastId)).status === "done" ? true : undefined),
    60_000,
    `broadcast ${broadcastId} to finish`,
  );

/** How many emails with this subject each recipient got. */
async function receivedBy(subject: string): Promise<number[]> {
  const emails = await emailsWithSubject(subject);
  return recipients.map((email) => emails.filter((e) => e.destination.to.some((to) => to.includes(email))).length);
}

/** The ids of every broadcast stored with this title, done or not. */
async function broadcastsTitled(title: string): Promise<string[]> {
  const stored = await queryAll(createDocumentClient(), {
    TableName: Resource.State.name,
    KeyConditionExpression: "pk = :list",
    FilterExpression: "title = :title",
    ExpressionAttributeValues: { ":list": BROADCAST_LIST_PK, ":title": title },
  });
  return stored.map((item) => String(item.broadcastId));
}

describe("POST /api/registration/broadcast with an Idempotency-Key", () => {
  it(
    "answers the same broadcastId for the same key and content, " +
      "starts nothing new, and every recipient gets one email",
    async () => {
      const key = crypto.randomUUID();
      const title = `Idempotent ${key}`;
      const first = await post({ title, contents: "Once." }, key);
      expect(first.status).toBe(200);
      expect(first.headers.get("idempotent-replayed")).toBeNull();
      const { broadcastId } = (await first.json()) as { broadcastId: string };
      const again = await post({ title, contents: "Once." }, key);
      expect(again.status).toBe(200);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect(await again.json()).toEqual({ status: "sent", broadcastId });
      await untilDone(broadcastId);
      expect(await receivedBy(title)).toEqual([1, 1, 1]);
      expect(await broadcastsTitled(title)).toEqual([broadcastId]);
    },
  );

  it("starts one broadcast for five concurrent requests under one key", async () => {
    const key = crypto.randomUUID();
    const title = `Concurrent ${key}`;
    const answers = await Promise.all(Array.from({ length: 5 }, () => post({ title, contents: "Once." }, key)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    const ids = new Set(
      await Promise.all(answers.map(async (a) => ((await a.json()) as { broadcastId: string }).broadcastId)),
    );
    expect(ids.size).toBe(1);
    await untilDone([...ids][0]!);
    expect(await receivedBy(title)).toEqual([1, 1, 1]);
    expect(await broadcastsTitled(title)).toEqual([...ids]);
  });

  it("answers 422 for the same key with another body, and sends nothing for it", async () => {
    const key = crypto.randomUUID();
    expect((await post({ title: `First ${key}`, contents: "One." }, key)).status).toBe(200);
    const other = await post({ title: `Second ${key}`, contents: "Another." }, key);
    expect(other.status).toBe(422);
    expect(await other.json()).toMatchObject({ error: "IdempotencyKeyReusedException" });
    expect(await broadcastsTitled(`Second ${key}`)).toEqual([]);
  });

  it("answers 422 for the same key and body with archive: false, which is another broadcast", async () => {
    const key = crypto.randomUUID();
    expect((await post({ title: `Listed ${key}`, contents: "One." }, key)).status).toBe(200);
    const unlisted = await post({ title: `Listed ${key}`, contents: "One.", archive: false }, key);
    expect(unlisted.status).toBe(422);
  });

  it.each([
    ["empty", ""],
    ["with a space", "two words"],
    ["over 255 characters", "k".repeat(256)],
  ])("answers 400 for a key %s", async (_, key) => {
    const response = await post({ title: "Bad key", contents: "No." }, key);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "InvalidIdempotencyKeyException" });
  });

  it("queues the fan-out again when a retry finds its broadcast never left `queued`", async () => {
    // The first request stored the broadcast and died before queueing its fan-out.
    const key = crypto.randomUUID();
    const title = `Died before queueing ${key}`;
    const content = { title, contents: "Recovered." };
    const { createHash } = await import("node:crypto");
    const fingerprint = createHash("sha256")
      .update(JSON.stringify([title, content.contents, null]))
      .digest("base64url");
    const broadcastId = crypto.randomUUID();
    await broadcasts.create({
      broadcastId,
      content,
      totalSegments: FANOUT_SEGMENTS,
      now: new Date(),
      idempotency: { key, fingerprint },
    });
    const retry = await post(content, key);
    expect(await retry.json()).toEqual({ status: "sent", broadcastId });
    await untilDone(broadcastId);
    expect(await receivedBy(title)).toEqual([1, 1, 1]);
  });
});

describe("the CLI's broadcast when its first answer is lost", () => {
  it("tries again with the same key and gets the one broadcast it started", async () => {
    let posts = 0;
    // Forwards every request, but for the first POST drops the connection once the server has answered.
    const proxy = createServer((incoming, outgoing) => {
      const target = new URL(base);
      const first = incoming.method === "POST" && ++posts === 1;
      const onward = request(
        {
          host: target.hostname,
          port: target.port,
          path: incoming.url,
          method: incoming.method,
          headers: incoming.headers,
        },
        (answer) => {
          if (first) {
            answer.resume();
            answer.on("end", () => outgoing.socket?.destroy());
            return;
          }
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      incoming.pipe(onward);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    afterAll(() => new Promise<void>((resolve) => proxy.close(() => resolve())));

    const title = `CLI retry ${crypto.randomUUID()}`;
    const client = createApiClient(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`);
    const answer = await client.startBroadcast({ title, contents: "Said once." }, PIN);
    // A stack with no member: it starts at once.
    if (answer.status !== "sent") throw new Error(`expected a started broadcast, got ${answer.status}`);
    const { broadcastId } = answer;
    expect(posts).toBe(2);
    expect(await broadcastsTitled(title)).toEqual([broadcastId]);
    await untilDone(broadcastId);
    expect(await receivedBy(title)).toEqual([1, 1, 1]);
  });
});

describe("the Requeue function, every 5 minutes", () => {
  it(
    `fans out again a broadcast left queued for more than ${STALLED_AFTER_MS / 60_000} minutes, ` +
      "and no younger one",
    async () => {
      const stalled = { broadcastId: crypto.randomUUID(), title: `Stalled ${crypto.randomUUID()}` };
      const young = { broadcastId: crypto.randomUUID(), title: `Young ${crypto.randomUUID()}` };
      await broadcasts.create({
        broadcastId: stalled.broadcastId,
        content: { title: stalled.title, contents: "Lost, then found." },
        totalSegments: FANOUT_SEGMENTS,
        now: new Date(Date.now() - STALLED_AFTER_MS - 60_000),
      });
      await broadcasts.create({
        broadcastId: young.broadcastId,
        content: { title: young.title, contents: "Just stored." },
        totalSegments: FANOUT_SEGMENTS,
        now: new Date(Date.now() - 60_000),
      });
      await requeue();
      await untilDone(stalled.broadcastId);
      expect(await receivedBy(stalled.title)).toEqual([1, 1, 1]);
      expect((await progress(young.broadcastId)).status).toBe("queued");
    },
  );
});
