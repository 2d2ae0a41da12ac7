import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { batchGet, queryAll, retryingConflicts, type TransactItems, transactWrite } from "../aws/dynamo.ts";
import { type Progress, progressUpdate, readProgress } from "./progress.ts";
import type { Broadcast, BroadcastStatus, BroadcastStore, Claim, DeliveryOutcome, DeliveryRef, ResumeResult, Settlement } from "./store.ts";

// Layout in the State table:
//   pk "broadcast",           sk <id>          the broadcast: status, segments done (one partition lists them all);
//                                              only single-item writes touch it, never a transaction
//   pk "broadcast#<id>#progress", sk ...       its counters, sharded (progress.ts)
//   pk "broadcast#<id>",      sk "content"     title, Markdown, HTML (apart: up to 400 KiB together)
//   pk "broadcast#<id>",      sk "to#<email>"  one recipient's delivery: pending, sending (leased), sent, skipped, failed
//   pk "sesmsg#<messageId>",  sk "mail"        which broadcast and recipient an SES message id belongs to
const LIST_KEY = "broadcast";
const metaKey = (broadcastId: string) => ({ pk: LIST_KEY, sk: broadcastId });
const contentKey = (broadcastId: string) => ({ pk: `broadcast#${broadcastId}`, sk: "content" });
const idempotencyKey = (key: string) => ({ pk: `idem#${key}`, sk: "broadcast" });
/** How long an Idempotency-Key names its broadcast. */
const IDEMPOTENCY_SECONDS = 24 * 60 * 60;
const deliveryKey = (broadcastId: string, email: string) => ({ pk: `broadcast#${broadcastId}`, sk: `to#${email}` });
const FINISHED = new Set(["sent", "skipped", "failed"]);
// A transaction holds at most 100 items: 99 new deliveries and a counter shard's update.
const DELIVERIES_PER_TRANSACTION = 99;
const CLAIMS_PER_TRANSACTION = 100;
// Settling one takes up to three (its record, a sent one's SES message id, a counter shard of its broadcast).
const SETTLEMENTS_PER_TRANSACTION = 33;

export function createDynamoBroadcastStore({ db, stateTable }: { db: DynamoDBDocumentClient; stateTable: string }): BroadcastStore {
  const TableName = stateTable;

  const readMeta = async (broadcastId: string) =>
    (await db.send(new GetCommand({ TableName, Key: metaKey(broadcastId), ConsistentRead: true }))).Item;

  /** The broadcast's counters: its shards summed, and what it kept on its own item before they were sharded. */
  async function countsOf(meta: Record<string, unknown>): Promise<Progress> {
    const progress = await readProgress(db, TableName, meta.broadcastId as string);
    const legacy = (name: keyof Progress) => (typeof meta[name] === "number" ? meta[name] : 0);
    return Object.fromEntries(Object.entries(progress).map(([name, value]) => [name, value + legacy(name as keyof Progress)])) as Progress;
  }

  async function get(broadcastId: string): Promise<Broadcast | undefined> {
    const meta = await readMeta(broadcastId);
    return meta && toBroadcast(meta, await countsOf(meta));
  }

  async function existingDeliveries(broadcastId: string, emails: string[]): Promise<Map<string, string>> {
    const keys = emails.map((email) => deliveryKey(broadcastId, email));
    const items = await batchGet(db, TableName, keys, { expression: "sk, #status", names: { "#status": "status" } });
    return new Map(items.map((item) => [(item.sk as string).slice(3), item.status as string]));
  }

  /** The lease of one pending delivery, or of one whose lease ran out: a crashed sender's. */
  function claimUpdate({ broadcastId, email }: DeliveryRef, leaseUntil: Date, now: Date, returnOnFailure?: "ALL_OLD") {
    return {
      TableName,
      Key: deliveryKey(broadcastId, email),
      UpdateExpression: "SET #status = :sending, leaseUntil = :until ADD attempts :one",
      ConditionExpression: "#status = :pending OR (#status = :sending AND leaseUntil < :now)",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":sending": "sending", ":pending": "pending", ":until": leaseUntil.getTime(), ":now": now.getTime(), ":one": 1 },
      ReturnValuesOnConditionCheckFailure: returnOnFailure,
    };
  }

  async function claimOne(delivery: DeliveryRef, leaseUntil: Date, now: Date): Promise<Claim> {
    try {
      await retryingConflicts(() => db.send(new UpdateCommand(claimUpdate(delivery, leaseUntil, now, "ALL_OLD"))));
      return "claimed";
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const status = error.Item?.status?.S;
      if (!status) return "unknown";
      return FINISHED.has(status) ? "finished" : "busy";
    }
  }

  /**
   * One transaction settling these deliveries: each record, with the SES message id's pointer for
   * a sent one, and a counter shard of each broadcast moved once by the totals; `items()` picks the
   * shards anew each time it is called. `deliveryAt[i]` is the index of settlement i's record
   * update, whose cancellation reason tells if its condition failed.
   */
  function settleTransaction(settlements: Settlement[], now: Date): { items: () => TransactItems; deliveryAt: number[] } {
    const items: TransactItems = [];
    const deliveryAt: number[] = [];
    const counts = new Map<string, Record<DeliveryOutcome["status"], number>>();
    for (const { broadcastId, email, outcome } of settlements) {
      const { status, ...details } = outcome;
      const attributes = { ...details, finishedAt: now.toISOString() };
      const names = Object.keys(attributes);
      deliveryAt.push(items.length);
      items.push({
        Update: {
          TableName,
          Key: deliveryKey(broadcastId, email),
          UpdateExpression: `SET #status = :status, ${names.map((name) => `#${name} = :${name}`).join(", ")} REMOVE leaseUntil`,
          ConditionExpression: "#status = :sending",
          ExpressionAttributeNames: { "#status": "status", ...Object.fromEntries(names.map((name) => [`#${name}`, name])) },
          ExpressionAttributeValues: {
            ":status": status,
            ":sending": "sending",
            ...Object.fromEntries(Object.entries(attributes).map(([name, value]) => [`:${name}`, value])),
          },
        },
      });
      if (outcome.status === "sent") items.push({ Put: { TableName, Item: { pk: `sesmsg#${outcome.sesMessageId}`, sk: "mail", broadcastId, email } } });
      const count = counts.get(broadcastId) ?? { sent: 0, skipped: 0, failed: 0 };
      count[status]++;
      counts.set(broadcastId, count);
    }
    const progress = () =>
      [...counts].map(([broadcastId, { sent, skipped, failed }]) =>
        progressUpdate(TableName, broadcastId, { sent, skipped, failed, pending: -(sent + skipped + failed) }),
      );
    return { items: () => [...items, ...progress()], deliveryAt };
  }

  return {
    async create({ broadcastId, content, totalSegments, now, idempotency }) {
      const nowSeconds = Math.floor(now.getTime() / 1000);
      const claimKey = idempotency && {
        Put: {
          TableName,
          Item: { ...idempotencyKey(idempotency.key), broadcastId, fingerprint: idempotency.fingerprint, expiresAt: nowSeconds + IDEMPOTENCY_SECONDS },
          // TTL deletes lazily: a key past its 24 hours is free again.
          ConditionExpression: "attribute_not_exists(pk) OR expiresAt <= :now",
          ExpressionAttributeValues: { ":now": nowSeconds },
        },
      };
      const refused = await transactWrite(db, [
        {
          Put: {
            TableName,
            Item: { ...metaKey(broadcastId), broadcastId, title: content.title, status: "queued", totalSegments, createdAt: now.toISOString() },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
        { Put: { TableName, Item: { ...contentKey(broadcastId), ...content } } },
        ...(claimKey ? [claimKey] : []),
      ]);
      if (!refused) return { result: "created" };
      if (!idempotency) throw new Error(`Broadcast ${broadcastId} exists already`);
      // Only the key's condition can fail: the id is new. The key's item may only just have expired.
      const { Item } = await db.send(new GetCommand({ TableName, Key: idempotencyKey(idempotency.key), ConsistentRead: true }));
      if (!Item) throw new Error("An Idempotency-Key refused a broadcast, then was gone");
      return Item.fingerprint === idempotency.fingerprint ? { result: "replayed", broadcastId: String(Item.broadcastId) } : { result: "key-reused" };
    },

    get,

    async content(broadcastId) {
      const { Item } = await db.send(new GetCommand({ TableName, Key: contentKey(broadcastId) }));
      return Item && { title: Item.title, contents: Item.contents, html: Item.html };
    },

    async status(broadcastId) {
      return (await readMeta(broadcastId))?.status as BroadcastStatus | undefined;
    },

    async unfinished() {
      const metas = await queryAll(db, {
        TableName,
        KeyConditionExpression: "pk = :list",
        FilterExpression: "#status <> :done",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":list": LIST_KEY, ":done": "done" },
      });
      const broadcasts = await Promise.all(metas.map(async (meta) => toBroadcast(meta, await countsOf(meta))));
      return broadcasts.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },

    async markSending(broadcastId, now) {
      await ignoringConditionFailure(
        db.send(
          new UpdateCommand({
            TableName,
            Key: metaKey(broadcastId),
            UpdateExpression: "SET #status = :sending, startedAt = :now",
            ConditionExpression: "#status = :queued",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: { ":sending": "sending", ":queued": "queued", ":now": now.toISOString() },
          }),
        ),
      );
    },

    async addRecipients(broadcastId, emails) {
      for (let attempt = 1; ; attempt++) {
        const existing = await existingDeliveries(broadcastId, emails);
        const fresh = emails.filter((email) => !existing.has(email));
        let raced = false;
        for (let start = 0; start < fresh.length && !raced; start += DELIVERIES_PER_TRANSACTION) {
          const chunk = fresh.slice(start, start + DELIVERIES_PER_TRANSACTION);
          raced = Boolean(
            await transactWrite(db, () => [
              ...chunk.map((email) => ({
                Put: {
                  TableName,
                  Item: { ...deliveryKey(broadcastId, email), email, status: "pending", attempts: 0 },
                  ConditionExpression: "attribute_not_exists(pk)",
                },
              })),
              progressUpdate(TableName, broadcastId, { recipients: chunk.length, pending: chunk.length }),
            ]),
          );
        }
        // Another fan-out of the same page got there first: read again and add what is left.
        if (raced) {
          if (attempt === 5) throw new Error(`Fan-outs of broadcast ${broadcastId} keep racing for one page`);
          continue;
        }
        return emails.filter((email) => !existing.has(email) || existing.get(email) === "pending" || existing.get(email) === "sending");
      }
    },

    async completeSegment(broadcastId, segment) {
      await db.send(
        new UpdateCommand({
          TableName,
          Key: metaKey(broadcastId),
          UpdateExpression: "ADD segmentsDone :segment",
          ExpressionAttributeValues: { ":segment": new Set([segment]) },
        }),
      );
    },

    async finishIfComplete(broadcastId, now) {
      const meta = await readMeta(broadcastId);
      if (meta?.status !== "sending" || (meta.segmentsDone as Set<number> | undefined)?.size !== meta.totalSegments) return false;
      // Every segment is fanned out, so no recipient is added any more and `pending` only falls.
      if ((await countsOf(meta)).pending !== 0) return false;
      return ignoringConditionFailure(
        db.send(
          new UpdateCommand({
            TableName,
            Key: metaKey(broadcastId),
            UpdateExpression: "SET #status = :done, finishedAt = :now",
            ConditionExpression: "#status = :sending AND size(segmentsDone) = totalSegments",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: { ":done": "done", ":sending": "sending", ":now": now.toISOString() },
          }),
        ),
      );
    },

    claimDelivery: (broadcastId, email, leaseUntil, now) => claimOne({ broadcastId, email }, leaseUntil, now),

    async claimDeliveries(deliveries, leaseUntil, now) {
      const claims: Claim[] = [];
      // A recipient twice in one call is held by its first claim; a transaction may not name it twice.
      const seen = new Set<string>();
      let open: number[] = [];
      deliveries.forEach(({ broadcastId, email }, index) => {
        const key = `${broadcastId}#${email}`;
        if (seen.has(key)) claims[index] = "busy";
        else open.push(index);
        seen.add(key);
      });
      while (open.length > 0) {
        const chunk = open.slice(0, CLAIMS_PER_TRANSACTION);
        const codes = await transactWrite(db, chunk.map((index) => ({ Update: claimUpdate(deliveries[index]!, leaseUntil, now) })));
        if (!codes) for (const index of chunk) claims[index] = "claimed";
        // Cancelled: each refused delivery is claimed alone, which says whether it is finished,
        // leased or unknown, and the others are claimed together again.
        const refused = chunk.filter((_, position) => codes?.[position] === "ConditionalCheckFailed");
        if (codes && refused.length === 0) throw new Error(`Claiming cancelled: ${codes.join(", ")}`);
        for (const index of refused) claims[index] = await claimOne(deliveries[index]!, leaseUntil, now);
        open = open.filter((index) => claims[index] === undefined);
      }
      return claims;
    },

    async completeDeliveries(settlements, now) {
      for (let start = 0; start < settlements.length; start += SETTLEMENTS_PER_TRANSACTION) {
        let chunk = settlements.slice(start, start + SETTLEMENTS_PER_TRANSACTION);
        // Settling conflicts with every other sender's on the broadcast's counters and is retried
        // then: a settle that gave up after SES took the message would let the lease expire and
        // the recipient be mailed twice.
        while (chunk.length > 0) {
          const { items, deliveryAt } = settleTransaction(chunk, now);
          const codes = await transactWrite(db, items);
          if (!codes) break;
          // A failed condition means that recipient's lease ran out and another worker settled it:
          // it is counted already. The others are settled without it, and counted once.
          const rest = chunk.filter((_, index) => codes[deliveryAt[index]!] !== "ConditionalCheckFailed");
          if (rest.length === chunk.length) throw new Error(`Settling cancelled: ${codes.join(", ")}`);
          chunk = rest;
        }
      }
    },

    async pause(broadcastId, { reason, now }) {
      return ignoringConditionFailure(
        db.send(
          new UpdateCommand({
            TableName,
            Key: metaKey(broadcastId),
            UpdateExpression: "SET #status = :paused, pausedReason = :reason, pausedAt = :now",
            ConditionExpression: "#status = :sending",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: { ":paused": "paused", ":sending": "sending", ":reason": reason, ":now": now.toISOString() },
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
            Key: metaKey(broadcastId),
            UpdateExpression: "SET #status = :sending, resumedAt = :now, hardBouncesAtResume = :hardBounces, sentAtResume = :sent",
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

    async releaseDelivery(broadcastId, email) {
      await ignoringConditionFailure(
        retryingConflicts(() =>
          db.send(
            new UpdateCommand({
              TableName,
              Key: deliveryKey(broadcastId, email),
              UpdateExpression: "SET #status = :pending REMOVE leaseUntil",
              ConditionExpression: "#status = :sending",
              ExpressionAttributeNames: { "#status": "status" },
              ExpressionAttributeValues: { ":pending": "pending", ":sending": "sending" },
            }),
          ),
        ),
      );
    },
  };
}

function toBroadcast(item: Record<string, unknown>, { recipients, sent, skipped, failed, hardBounces }: Progress): Broadcast {
  return {
    broadcastId: item.broadcastId as string,
    title: item.title as string,
    status: item.status as Broadcast["status"],
    totalSegments: item.totalSegments as number,
    recipients,
    sent,
    skipped,
    failed,
    hardBounces,
    createdAt: item.createdAt as string,
    startedAt: item.startedAt as string | undefined,
    finishedAt: item.finishedAt as string | undefined,
    pausedReason: item.pausedReason as string | undefined,
    pausedAt: item.pausedAt as string | undefined,
    resumedAt: item.resumedAt as string | undefined,
    hardBouncesAtResume: item.hardBouncesAtResume as number | undefined,
    sentAtResume: item.sentAtResume as number | undefined,
  };
}

async function ignoringConditionFailure(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
