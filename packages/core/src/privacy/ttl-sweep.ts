import { DeleteCommand, type DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { ignoringConditionFailure, retryingConflicts } from "../aws/dynamo.ts";

export type TtlSweep = { table: string; keys: readonly string[]; ttlAttribute: string };

/**
 * Deletes the items of a table whose TTL attribute (epoch seconds) has passed, as DynamoDB's TTL
 * does on AWS (within days there; at once here), for DynamoDB Local, which never does. An item
 * whose TTL was moved on since the scan read it (a rate window's next hour) stays, by the delete's
 * condition. Returns how many it deleted.
 * @example
 * await sweepExpired(db, { table: "State", keys: ["pk", "sk"], ttlAttribute: "expiresAt" }, new Date());
 */
export async function sweepExpired(db: DynamoDBDocumentClient, sweep: TtlSweep, now: Date): Promise<number> {
  const { table, keys, ttlAttribute } = sweep;
  const values = { ":now": Math.floor(now.getTime() / 1000) };
  const names = { "#ttl": ttlAttribute, ...Object.fromEntries(keys.map((key, i) => [`#k${i}`, key])) };
  const condition = "#ttl <= :now";
  let deleted = 0;
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: condition,
        ProjectionExpression: keys.map((_, i) => `#k${i}`).join(", "),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ExclusiveStartKey: cursor,
      }),
    );
    for (const Key of page.Items ?? []) {
      const removed = await ignoringConditionFailure(
        retryingConflicts(() =>
          db.send(
            new DeleteCommand({
              TableName: table,
              Key,
              ConditionExpression: condition,
              ExpressionAttributeNames: { "#ttl": ttlAttribute },
              ExpressionAttributeValues: values,
            }),
          ),
        ),
      );
      if (removed) deleted++;
    }
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return deleted;
}
