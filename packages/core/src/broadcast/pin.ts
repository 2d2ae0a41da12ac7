import { createHash, timingSafeEqual } from "node:crypto";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createWindowCounter } from "../window-counter.ts";

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
  const failures = createWindowCounter({ db, stateTable, name: "pinfail", windowSeconds });
  return {
    async lockedUntil(ip, now) {
      const open = await failures.current(ip, now);
      return open && open.hits >= maxFailures ? open.endsAt : undefined;
    },

    async recordFailure(ip, now) {
      await failures.hit(ip, now);
    },
  };
}
