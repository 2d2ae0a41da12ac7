import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { queryAll, type TransactItems } from "../aws/dynamo.ts";
import { addExpression } from "../aws/expressions.ts";
import { broadcastProgressPk, broadcastProgressShard } from "../state/keys.ts";

/**
 * A broadcast's counters, moved in the same transaction as the delivery records they count (the
 * fan-out adding recipients, a sender settling emails, the SES events handler marking a hard
 * bounce or a complaint, an unsubscribe link changing its address's status) and spread over
 * shards: fan-out, senders and events run at once, and DynamoDB cancels a transaction that meets
 * another on one of its items (`TransactionConflict`). Each transaction
 * moves a shard picked at random, a new one each attempt; reading sums them with one Query.
 */
export const PROGRESS_SHARDS = 64;

export type Progress = {
  /** Recipients the fan-out recorded. */
  recipients: number;
  /** Recorded recipients not settled yet. */
  pending: number;
  sent: number;
  skipped: number;
  failed: number;
  /** Permanent bounces SES reported for this broadcast's emails, each counted once. */
  hardBounces: number;
  /** Complaints SES reported for its emails, each recipient counted once. */
  complaints: number;
  /** Addresses its emails' unsubscribe links took off the list (active before), each counted once. */
  unsubscribes: number;
};

const NAMES: (keyof Progress)[] = [
  "recipients",
  "pending",
  "sent",
  "skipped",
  "failed",
  "hardBounces",
  "complaints",
  "unsubscribes",
];

/** A transaction item moving a random shard of the broadcast's counters by these amounts. */
export function progressUpdate(
  stateTable: string,
  broadcastId: string,
  delta: Partial<Progress>,
): TransactItems[number] {
  const update = addExpression(delta);
  return {
    Update: {
      TableName: stateTable,
      Key: broadcastProgressShard(broadcastId, Math.floor(Math.random() * PROGRESS_SHARDS)),
      UpdateExpression: update.expression,
      ExpressionAttributeNames: update.names,
      ExpressionAttributeValues: update.values,
    },
  };
}

/**
 * The broadcast's counters, every shard summed, read consistently. Once every segment is fanned
 * out, `pending` only falls; so a sum of 0 means it was 0 when the last shard was read.
 */
export async function readProgress(
  db: DynamoDBDocumentClient,
  stateTable: string,
  broadcastId: string,
): Promise<Progress> {
  const shards = await queryAll(db, {
    TableName: stateTable,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": broadcastProgressPk(broadcastId) },
  });
  const sum = Object.fromEntries(NAMES.map((name) => [name, 0])) as Progress;
  for (const shard of shards) for (const name of NAMES) sum[name] += typeof shard[name] === "number" ? shard[name] : 0;
  return sum;
}
