import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import {
  batchGet,
  ignoringConditionFailure,
  retryingConflicts,
  type TransactItems,
  transactWrite,
} from "../aws/dynamo.ts";
import { setExpression } from "../aws/expressions.ts";
import { DEFAULT_RETENTION, expiresAt, inSendWindow, SEND_WINDOW_MARGIN_DAYS } from "../state/expiry.ts";
import { deliveryKey, sesMessageKey } from "../state/keys.ts";
import { progressUpdate } from "./progress.ts";
import {
  type Claim,
  type DeliveryOutcome,
  type DeliveryRef,
  type DeliveryStore,
  SETTLEMENTS_PER_WRITE,
  type Settlement,
} from "./store.ts";

// In the State table (state/keys.ts): one delivery record per recipient of a broadcast, `pending`,
// `sending` (leased), `sent`, `skipped` or `failed`; and, for each email sent, which broadcast and
// recipient its SES message id belongs to. Each move of a record moves its broadcast's counters
// (progress.ts) in the same transaction.
const FINISHED = new Set(["sent", "skipped", "failed"]);
// A transaction holds at most 100 items: 99 new deliveries and a counter shard's update.
const DELIVERIES_PER_TRANSACTION = 99;
const CLAIMS_PER_TRANSACTION = 100;
// Records made before they had an expiry are claimable as they always were.
const CLAIMABLE = "(attribute_not_exists(expiresAt) OR expiresAt > :windowOpen)";

export function createDynamoDeliveryStore({
  db,
  stateTable,
  deliveryDays = DEFAULT_RETENTION.deliveryDays,
}: {
  db: DynamoDBDocumentClient;
  stateTable: string;
  /** How long a settled record and its SES message id are kept (state/expiry.ts); the counts stay. */
  deliveryDays?: number;
}): DeliveryStore {
  const TableName = stateTable;

  async function existingDeliveries(broadcastId: string, emails: string[]): Promise<Map<string, string>> {
    const keys = emails.map((email) => deliveryKey(broadcastId, email));
    const items = await batchGet(db, TableName, keys, { expression: "sk, #status", names: { "#status": "status" } });
    return new Map(items.map((item) => [(item.sk as string).slice(3), item.status as string]));
  }

  /**
   * The lease of one pending delivery, or of one whose lease ran out: a crashed sender's; only
   * inside its broadcast's send window, so that no record expires under its sender (`addRecipients`).
   */
  function claimUpdate({ broadcastId, email }: DeliveryRef, leaseUntil: Date, now: Date, returnOnFailure?: "ALL_OLD") {
    return {
      TableName,
      Key: deliveryKey(broadcastId, email),
      UpdateExpression: "SET #status = :sending, leaseUntil = :until ADD attempts :one",
      ConditionExpression: `(#status = :pending OR (#status = :sending AND leaseUntil < :now)) AND ${CLAIMABLE}`,
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: {
        ":sending": "sending",
        ":pending": "pending",
        ":until": leaseUntil.getTime(),
        ":now": now.getTime(),
        ":one": 1,
        ":windowOpen": expiresAt(now, SEND_WINDOW_MARGIN_DAYS),
      },
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
      if (FINISHED.has(status)) return "finished";
      return Number(error.Item?.expiresAt?.N) <= expiresAt(now, SEND_WINDOW_MARGIN_DAYS) ? "expired" : "busy";
    }
  }

  /**
   * One transaction settling these deliveries: each record, with the SES message id's pointer for
   * a sent one, and a counter shard of each broadcast moved once by the totals; `items()` picks the
   * shards anew each time it is called. `deliveryAt[i]` is the index of settlement i's record
   * update, whose cancellation reason tells if its condition failed.
   */
  function settleTransaction(
    settlements: Settlement[],
    now: Date,
  ): { items: () => TransactItems; deliveryAt: number[] } {
    const items: TransactItems = [];
    const deliveryAt: number[] = [];
    const counts = new Map<string, Record<DeliveryOutcome["status"], number>>();
    for (const { broadcastId, email, outcome } of settlements) {
      const { status } = outcome;
      // Kept from its settling, a moment before its broadcast ends: the senders settle as they go.
      const expiry = expiresAt(now, deliveryDays);
      const update = setExpression({ ...outcome, finishedAt: now.toISOString(), expiresAt: expiry });
      deliveryAt.push(items.length);
      items.push({
        Update: {
          TableName,
          Key: deliveryKey(broadcastId, email),
          UpdateExpression: `${update.expression} REMOVE leaseUntil`,
          ConditionExpression: "#status = :sending",
          ExpressionAttributeNames: update.names,
          ExpressionAttributeValues: { ...update.values, ":sending": "sending" },
        },
      });
      if (outcome.status === "sent")
        items.push({
          Put: { TableName, Item: { ...sesMessageKey(outcome.sesMessageId), broadcastId, email, expiresAt: expiry } },
        });
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
    async addRecipients({ broadcastId, createdAt, now }, emails, others = []) {
      // Past its window the broadcast adds and sends nothing: a record that expired is never made
      // again (it could have been sent), and its counts stay as they are.
      if (!inSendWindow(createdAt, now, deliveryDays)) return [];
      const expiry = expiresAt(createdAt, deliveryDays + SEND_WINDOW_MARGIN_DAYS);
      for (let attempt = 1; ; attempt++) {
        // One read of the page's records, the audience's and the others'.
        const existing = await existingDeliveries(broadcastId, [...emails, ...others]);
        const fresh = emails.filter((email) => !existing.has(email));
        let raced = false;
        for (let start = 0; start < fresh.length && !raced; start += DELIVERIES_PER_TRANSACTION) {
          const chunk = fresh.slice(start, start + DELIVERIES_PER_TRANSACTION);
          raced = Boolean(
            await transactWrite(db, () => [
              ...chunk.map((email) => ({
                Put: {
                  TableName,
                  Item: {
                    ...deliveryKey(broadcastId, email),
                    email,
                    status: "pending",
                    attempts: 0,
                    expiresAt: expiry,
                  },
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
        const waiting = (email: string) => existing.get(email) === "pending" || existing.get(email) === "sending";
        return [...emails.filter((email) => !existing.has(email) || waiting(email)), ...others.filter(waiting)];
      }
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
        const codes = await transactWrite(
          db,
          chunk.map((index) => ({ Update: claimUpdate(deliveries[index]!, leaseUntil, now) })),
        );
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
      for (let start = 0; start < settlements.length; start += SETTLEMENTS_PER_WRITE) {
        let chunk = settlements.slice(start, start + SETTLEMENTS_PER_WRITE);
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
