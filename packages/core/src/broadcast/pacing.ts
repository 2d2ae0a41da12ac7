import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { sendScheduleKey } from "../state/keys.ts";

/** Hands out moments at which a send may start, shared by every sender so the total rate holds. */
export type SendPacer = {
  /** Reserves `count` send times, spaced evenly, none earlier than `now`. */
  reserve(count: number, now: Date): Promise<Date[]>;
};

export type DynamoSendPacerOptions = {
  db: DynamoDBDocumentClient;
  stateTable: string;
  /** Emails per second across all senders: the SES account's maximum send rate. */
  ratePerSecond: number;
  /**
   * Fraction of the rate actually scheduled. A send that starts a little late must not bring a
   * one-second window above the quota, so sends are spaced wider than 1/rate: at 0.95, a window
   * stays within the rate while the sends in it are delayed unevenly by up to about 50 ms in all
   * (a schedule up to MAX_LATENESS_MS behind, a busy event loop, the request's way to SES).
   */
  headroom?: number;
};

// A schedule that fell further behind than this restarts from now instead of bursting to catch up.
const MAX_LATENESS_MS = 20;

/**
 * One schedule item in DynamoDB: `origin` (ms) and `issued` (tokens handed out since). Reserving is an atomic ADD
 * on `issued`, so concurrent senders never contend for the same slot and a whole batch costs one
 * write; token i may be sent at origin + i × interval. A schedule found idle or behind restarts at
 * now, which takes a second write, except when this pacer reserved last: then it knows the
 * schedule is behind without the ADD, and restarts it in one write conditioned on the item being
 * as it left it.
 */
export function createDynamoSendPacer({
  db,
  stateTable,
  ratePerSecond,
  headroom = 0.95,
}: DynamoSendPacerOptions): SendPacer {
  const intervalMs = 1000 / (ratePerSecond * headroom);
  // The schedule as this pacer's last reservation left it. A lone sender's batches come further
  // apart than MAX_LATENESS_MS (settling, the next invocation), so each would find it behind.
  let last: { origin: number; issued: number } | undefined;
  const isBehind = (origin: number, issued: number, now: Date) =>
    origin + issued * intervalMs < now.getTime() - MAX_LATENESS_MS;

  /** Restarts the schedule at now, unless another sender reserved since it stood at `from`. */
  async function restart(now: Date, count: number, from: { issued: number; origin?: number }): Promise<boolean> {
    const unchanged = from.origin === undefined ? "issued = :end" : "issued = :end AND origin = :origin";
    try {
      await db.send(
        new UpdateCommand({
          TableName: stateTable,
          Key: sendScheduleKey,
          UpdateExpression: "SET origin = :now, issued = :count",
          ConditionExpression: unchanged,
          ExpressionAttributeValues: {
            ...{ ":now": now.getTime(), ":count": count, ":end": from.issued },
            ...(from.origin !== undefined && { ":origin": from.origin }),
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
    last = { origin: now.getTime(), issued: count };
    return true;
  }

  return {
    async reserve(count, now) {
      if (last && isBehind(last.origin, last.issued, now) && (await restart(now, count, last))) {
        return times(now.getTime(), 0, count);
      }
      for (;;) {
        const { Attributes } = await db.send(
          new UpdateCommand({
            TableName: stateTable,
            Key: sendScheduleKey,
            UpdateExpression: "ADD issued :count",
            ExpressionAttributeValues: { ":count": count },
            ReturnValues: "ALL_NEW",
          }),
        );
        const end = Attributes!.issued as number;
        const origin = Attributes!.origin as number | undefined;
        const first = end - count;
        if (origin !== undefined && !isBehind(origin, first, now)) {
          last = { origin, issued: end };
          return times(origin, first, count);
        }
        // Idle or behind: restart the schedule at now, unless another sender reserved meanwhile.
        if (await restart(now, count, { issued: end })) return times(now.getTime(), 0, count);
      }
    },
  };

  function times(origin: number, first: number, count: number): Date[] {
    return Array.from({ length: count }, (_, i) => new Date(origin + (first + i) * intervalMs));
  }
}
