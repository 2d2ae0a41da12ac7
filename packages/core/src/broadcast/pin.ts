import { createHash, timingSafeEqual } from "node:crypto";
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";

/**
 * Whether a candidate PIN is the board's. Both sides are hashed to equal length first, so the
 * comparison takes the same time whatever the candidate, and leaks neither content nor length.
 */
export function pinMatches(expected: string, candidate: string): boolean {
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(expected), digest(candidate));
}

export type PinGuard = {
  /** When the caller's lockout ends, if it is locked out now. */
  lockedUntil(ip: string, now: Date): Promise<Date | undefined>;
  recordFailure(ip: string, now: Date): Promise<void>;
};

export type PinGuardOptions = {
  db: DynamoDBDocumentClient;
  stateTable: string;
  maxFailures?: number;
  windowSeconds?: number;
};

/**
 * Wrong PINs per IP in a fixed window that opens with the first failure, kept in DynamoDB with a
 * TTL so that every Lambda instance sees the same count.
 */
export function createPinGuard({ db, stateTable, maxFailures = 5, windowSeconds = 15 * 60 }: PinGuardOptions): PinGuard {
  const key = (ip: string) => ({ pk: `pinfail#${ip}`, sk: "window" });
  return {
    async lockedUntil(ip, now) {
      const { Item } = await db.send(new GetCommand({ TableName: stateTable, Key: key(ip), ConsistentRead: true }));
      const endsAt = Number(Item?.windowEndsAt ?? 0);
      return Number(Item?.failures ?? 0) >= maxFailures && endsAt * 1000 > now.getTime() ? new Date(endsAt * 1000) : undefined;
    },

    async recordFailure(ip, now) {
      const nowSeconds = Math.floor(now.getTime() / 1000);
      const windowEndsAt = nowSeconds + windowSeconds;
      try {
        await db.send(
          new UpdateCommand({
            TableName: stateTable,
            Key: key(ip),
            UpdateExpression: "ADD failures :one SET windowEndsAt = if_not_exists(windowEndsAt, :end), expiresAt = if_not_exists(expiresAt, :end)",
            ConditionExpression: "attribute_not_exists(pk) OR windowEndsAt > :now",
            ExpressionAttributeValues: { ":one": 1, ":end": windowEndsAt, ":now": nowSeconds },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // The last window has ended (TTL deletes lazily): this failure opens a new one.
        await db.send(
          new PutCommand({
            TableName: stateTable,
            Item: { ...key(ip), failures: 1, windowEndsAt, expiresAt: windowEndsAt },
          }),
        );
      }
    },
  };
}
