import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { retryingConflicts } from "../aws/dynamo.ts";
import { broadcastMeta } from "../state/keys.ts";
import { BroadcastNotCancellableError, BroadcastNotFoundError } from "./errors.ts";
import type { BroadcastStore } from "./store.ts";

/**
 * Stops a broadcast for good: `queued`, `sending` or `paused` becomes `cancelled`, a single-item
 * conditional write on its own item. Its fan-out stops at its next task, and its senders drop
 * every message still queued (send.ts reads the status before each batch, trusted up to a second):
 * its recipients not reached yet stay pending and are never sent to. Nothing resumes it.
 * @throws BroadcastNotFoundError, BroadcastNotCancellableError (done, or cancelled already)
 */
export function createBroadcastCancel({
  db,
  stateTable,
  broadcasts,
}: {
  db: DynamoDBDocumentClient;
  stateTable: string;
  broadcasts: Pick<BroadcastStore, "get">;
}) {
  return async function cancelBroadcast(broadcastId: string, now: Date) {
    try {
      await retryingConflicts(() =>
        db.send(
          new UpdateCommand({
            TableName: stateTable,
            Key: broadcastMeta(broadcastId),
            UpdateExpression: "SET #status = :cancelled, cancelledAt = :now",
            ConditionExpression: "#status IN (:queued, :sending, :paused)",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: {
              ":cancelled": "cancelled",
              ":now": now.toISOString(),
              ":queued": "queued",
              ":sending": "sending",
              ":paused": "paused",
            },
          }),
        ),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const broadcast = await broadcasts.get(broadcastId);
      if (!broadcast) throw new BroadcastNotFoundError("No broadcast has this id");
      throw new BroadcastNotCancellableError(`The broadcast is ${broadcast.status}: only a running one is cancelled`);
    }
    return (await broadcasts.get(broadcastId))!;
  };
}

export type CancelBroadcast = ReturnType<typeof createBroadcastCancel>;
