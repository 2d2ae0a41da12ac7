import { createHash } from "node:crypto";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { batchGet, type TransactItems } from "../aws/dynamo.ts";
import { addExpression } from "../aws/expressions.ts";
import { legacyRegistrationCounter, registrationCounterShard } from "../state/keys.ts";
import type { RegistrationStatus } from "./store.ts";

/**
 * `count` (addresses ever registered) and `active` (addresses mailed), kept exact by moving them in
 * the same transaction as every registration and status change, and spread over shards so that no
 * one item is in every such transaction: DynamoDB cancels a transaction that meets another on one
 * of its items (`TransactionConflict`), and one item takes at most 1,000 write units a second. An
 * address always moves its own shard, chosen by a hash of it; reading sums every shard with one
 * BatchGetItem, whatever the number of registrations.
 * The single counter of stacks made before the shards is read and added in, never written again.
 */
export const COUNTER_SHARDS = 32;

export type Counts = { count: number; active: number };
type TransactItem = TransactItems[number];

/** The shard an address moves: the same for every change of it. */
export function counterShardOf(email: string): number {
  return createHash("sha256").update(email).digest().readUInt32BE(0) % COUNTER_SHARDS;
}

/** The transaction item that moves an address's shard by these amounts. */
export function counterUpdate(stateTable: string, email: string, delta: Partial<Counts>): TransactItem {
  const update = addExpression(delta);
  return {
    Update: {
      TableName: stateTable,
      Key: registrationCounterShard(counterShardOf(email)),
      UpdateExpression: update.expression,
      ExpressionAttributeNames: update.names,
      ExpressionAttributeValues: update.values,
    },
  };
}

/**
 * The change of the `active` count that moving a registration from one status to another makes,
 * for a transaction that changes the status; `undefined` when the count stays.
 */
export function activeCounterUpdate(
  stateTable: string,
  email: string,
  from: RegistrationStatus | undefined,
  to: RegistrationStatus,
): TransactItem | undefined {
  const delta = (to === "active" ? 1 : 0) - (from === "active" ? 1 : 0);
  return delta === 0 ? undefined : counterUpdate(stateTable, email, { active: delta });
}

/** Both counts: every shard and the legacy counter, summed. One request (at most 100 keys). */
export async function readCounts(db: DynamoDBDocumentClient, stateTable: string): Promise<Counts> {
  const keys = [
    legacyRegistrationCounter,
    ...Array.from({ length: COUNTER_SHARDS }, (_, shard) => registrationCounterShard(shard)),
  ];
  const items = await batchGet(db, stateTable, keys, { expression: "#count, active", names: { "#count": "count" } });
  const number = (value: unknown) => (typeof value === "number" ? value : 0);
  return items.reduce<Counts>(
    (sum, item) => ({ count: sum.count + number(item.count), active: sum.active + number(item.active) }),
    { count: 0, active: 0 },
  );
}
