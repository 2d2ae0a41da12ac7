import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, type QueryCommandInput, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ignoringConditionFailure, queryAll, transactWrite } from "../aws/dynamo.ts";
import { Audience } from "../registration/audience.ts";
import { BROADCAST_LIST_PK, broadcastContent, broadcastIdempotencyKey, broadcastMeta } from "../state/keys.ts";
import { createDynamoDeliveryStore } from "./delivery-store.ts";
import { pageOf } from "./list-page.ts";
import { type Progress, readProgress } from "./progress.ts";
import { Broadcast, type BroadcastStatus, type BroadcastStore, type ResumeResult } from "./store.ts";

// In the State table (state/keys.ts): each broadcast's own item in one partition that lists them all
// (status, segments done; only single-item writes touch it, never a transaction), its content apart
// (title, Markdown, HTML: up to 400 KiB together), and its counters, sharded (progress.ts). Its
// recipients' deliveries are the delivery store's.
/** How long an Idempotency-Key names its broadcast. */
const IDEMPOTENCY_SECONDS = 24 * 60 * 60;

export function createDynamoBroadcastStore({
  db,
  stateTable,
  deliveryDays,
}: {
  db: DynamoDBDocumentClient;
  stateTable: string;
  /** How long its senders keep a settled delivery record (delivery-store.ts). */
  deliveryDays?: number;
}): BroadcastStore {
  const TableName = stateTable;

  const readMeta = async (broadcastId: string) =>
    (await db.send(new GetCommand({ TableName, Key: broadcastMeta(broadcastId), ConsistentRead: true }))).Item;

  /** The broadcast's counters: its shards summed, and what it kept on its own item before they were sharded. */
  async function countsOf(meta: Record<string, unknown>): Promise<Progress> {
    const progress = await readProgress(db, TableName, meta.broadcastId as string);
    const legacy = (name: keyof Progress) => (typeof meta[name] === "number" ? meta[name] : 0);
    return Object.fromEntries(
      Object.entries(progress).map(([name, value]) => [name, value + legacy(name as keyof Progress)]),
    ) as Progress;
  }

  async function get(broadcastId: string): Promise<Broadcast | undefined> {
    const meta = await readMeta(broadcastId);
    return meta && toBroadcast(meta, await countsOf(meta));
  }

  /** The broadcasts' own items: their partition, one Query; `filter` narrows it. */
  const listed = (
    filter: Pick<QueryCommandInput, "FilterExpression" | "ExpressionAttributeNames" | "ExpressionAttributeValues"> = {},
  ) =>
    queryAll(db, {
      TableName,
      KeyConditionExpression: "pk = :list",
      ...filter,
      ExpressionAttributeValues: { ...filter.ExpressionAttributeValues, ":list": BROADCAST_LIST_PK },
    }) as Promise<(Record<string, unknown> & { createdAt: string; broadcastId: string })[]>;
  const withCounts = (metas: Record<string, unknown>[]) =>
    Promise.all(metas.map(async (meta) => toBroadcast(meta, await countsOf(meta))));

  return {
    ...createDynamoDeliveryStore({ db, stateTable, deliveryDays }),

    async create({ broadcastId, content, totalSegments, now, idempotency, audience, archive, origin }) {
      const nowSeconds = Math.floor(now.getTime() / 1000);
      const claimKey = idempotency && {
        Put: {
          TableName,
          Item: {
            ...broadcastIdempotencyKey(idempotency.key),
            broadcastId,
            fingerprint: idempotency.fingerprint,
            expiresAt: nowSeconds + IDEMPOTENCY_SECONDS,
          },
          // TTL deletes lazily: a key past its 24 hours is free again.
          ConditionExpression: "attribute_not_exists(pk) OR expiresAt <= :now",
          ExpressionAttributeValues: { ":now": nowSeconds },
        },
      };
      const refused = await transactWrite(db, [
        {
          Put: {
            TableName,
            Item: {
              ...broadcastMeta(broadcastId),
              broadcastId,
              title: content.title,
              status: "queued",
              totalSegments,
              createdAt: now.toISOString(),
              ...(audience && { audience }),
              ...{ ...(archive === false && { archive }), ...origin },
            },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
        { Put: { TableName, Item: { ...broadcastContent(broadcastId), ...content } } },
        ...(claimKey ? [claimKey] : []),
      ]);
      if (!refused) return { result: "created" };
      if (!idempotency) throw new Error(`Broadcast ${broadcastId} exists already`);
      // Only the key's condition can fail: the id is new. The key's item may only just have expired.
      const { Item } = await db.send(
        new GetCommand({ TableName, Key: broadcastIdempotencyKey(idempotency.key), ConsistentRead: true }),
      );
      if (!Item) throw new Error("An Idempotency-Key refused a broadcast, then was gone");
      return Item.fingerprint === idempotency.fingerprint
        ? { result: "replayed", broadcastId: String(Item.broadcastId) }
        : { result: "key-reused" };
    },

    get,

    async content(broadcastId) {
      const { Item } = await db.send(new GetCommand({ TableName, Key: broadcastContent(broadcastId) }));
      if (!Item) return undefined;
      const { title, contents, html, rendered, archive } = Item;
      return { title, contents, html, rendered, ...(archive === false && { archive }) };
    },

    async target(broadcastId) {
      const meta = await readMeta(broadcastId);
      const audience = meta?.audience && Audience.parse(meta.audience);
      return meta && { audience, createdAt: meta.createdAt, status: meta.status as BroadcastStatus };
    },

    async unfinished() {
      const broadcasts = await withCounts(
        await listed({
          FilterExpression: "NOT #status IN (:done, :cancelled)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":done": "done", ":cancelled": "cancelled" },
        }),
      );
      return broadcasts.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },

    async list(request) {
      // Keyed by id, the partition has no time order for a Query's ExclusiveStartKey to follow: its
      // items (no content, no counters) are read whole and sorted, and only the page's counters read.
      const { page, next } = pageOf(await listed(), request);
      return { broadcasts: await withCounts(page), next };
    },

    async markSending(broadcastId, now) {
      await ignoringConditionFailure(
        db.send(
          new UpdateCommand({
            TableName,
            Key: broadcastMeta(broadcastId),
            UpdateExpression: "SET #status = :sending, startedAt = :now",
            ConditionExpression: "#status = :queued",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: { ":sending": "sending", ":queued": "queued", ":now": now.toISOString() },
          }),
        ),
      );
    },

    async completeSegment(broadcastId, segment) {
      await db.send(
        new UpdateCommand({
          TableName,
          Key: broadcastMeta(broadcastId),
          UpdateExpression: "ADD segmentsDone :segment",
          ExpressionAttributeValues: { ":segment": new Set([segment]) },
        }),
      );
    },

    async finishIfComplete(broadcastId, now) {
      const meta = await readMeta(broadcastId);
      if (meta?.status !== "sending" || (meta.segmentsDone as Set<number> | undefined)?.size !== meta.totalSegments)
        return false;
      // Every segment is fanned out, so no recipient is added any more and `pending` only falls.
      if ((await countsOf(meta)).pending !== 0) return false;
      return ignoringConditionFailure(
        db.send(
          new UpdateCommand({
            TableName,
            Key: broadcastMeta(broadcastId),
            UpdateExpression: "SET #status = :done, finishedAt = :now",
            ConditionExpression: "#status = :sending AND size(segmentsDone) = totalSegments",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: { ":done": "done", ":sending": "sending", ":now": now.toISOString() },
          }),
        ),
      );
    },

    async pause(broadcastId, { reason, now }) {
      return ignoringConditionFailure(
        db.send(
          new UpdateCommand({
            TableName,
            Key: broadcastMeta(broadcastId),
            UpdateExpression: "SET #status = :paused, pausedReason = :reason, pausedAt = :now",
            ConditionExpression: "#status = :sending",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: {
              ":paused": "paused",
              ":sending": "sending",
              ":reason": reason,
              ":now": now.toISOString(),
            },
          }),
        ),
      );
    },

    async resume(broadcastId, now): Promise<ResumeResult> {
      // Paused, its senders send nothing: the counts read here are the baseline of the resumed run.
      const meta = await readMeta(broadcastId);
      if (!meta) return { result: "not-found" };
      const progress = await countsOf(meta);
      try {
        const { Attributes } = await db.send(
          new UpdateCommand({
            TableName,
            Key: broadcastMeta(broadcastId),
            UpdateExpression:
              "SET #status = :sending, resumedAt = :now, hardBouncesAtResume = :hardBounces, sentAtResume = :sent",
            ConditionExpression: "#status = :paused",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: {
              ":sending": "sending",
              ":paused": "paused",
              ":now": now.toISOString(),
              ":hardBounces": progress.hardBounces,
              ":sent": progress.sent,
            },
            ReturnValues: "ALL_NEW",
          }),
        );
        return { result: "resumed", broadcast: toBroadcast(Attributes!, progress) };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const broadcast = await get(broadcastId);
        return broadcast ? { result: "not-paused", broadcast } : { result: "not-found" };
      }
    },
  };
}

/** The broadcast's own item with its summed counters, read through the one Broadcast schema (which drops `pending`). */
function toBroadcast(item: Record<string, unknown>, progress: Progress): Broadcast {
  return Broadcast.parse({ ...item, ...progress });
}
