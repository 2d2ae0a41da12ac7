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
 * write; token i may be sent at origin + i × interval.
 */
export function createDynamoSendPacer({
  db,
  stateTable,
  ratePerSecond,
  headroom = 0.95,
}: DynamoSendPacerOptions): SendPacer {
  const intervalMs = 1000 / (ratePerSecond * headroom);
  return {
    async reserve(count, now) {
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
        if (origin !== undefined && origin + first * intervalMs >= now.getTime() - MAX_LATENESS_MS) {
          return times(origin, first, count);
        }
        // Idle or behind: restart the schedule at now, unless another sender reserved meanwhile.
        try {
          await db.send(
            new UpdateCommand({
              TableName: stateTable,
              Key: sendScheduleKey,
              UpdateExpression: "SET origin = :now, issued = :count",
              ConditionExpression: "issued = :end",
              ExpressionAttributeValues: { ":now": now.getTime(), ":count": count, ":end": end },
            }),
          );
          return times(now.getTime(), 0, count);
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }
    },
  };

  function times(origin: number, first: number, count: number): Date[] {
    return Array.from({ length: count }, (_, i) => new Date(origin + (first + i) * intervalMs));
  }
}
