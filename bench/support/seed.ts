import {
  BatchWriteCommand,
  type BatchWriteCommandOutput,
  type DynamoDBDocumentClient,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { counterShardOf } from "@oemr-reg/core/registration";
import { registrationCounterShard } from "@oemr-reg/core/state/keys";
import { inParallel } from "./stats.ts";

export const benchAddress = (index: number) => `admin${index}@clinic${index % 97}.bench.example.org`;

/** A registration item as `register()` stores it. */
export function registrationItem(address: string, at = new Date()) {
  return {
    email: address.toLowerCase(),
    address,
    productId: crypto.randomUUID(),
    version: "7.0.3",
    distribution: "docker",
    registeredAt: at.toISOString(),
    status: "active",
    sourceIp: "203.0.113.7",
  };
}

/**
 * Writes registrations `from` to `to - 1` straight into the table (25 a request) and adds them to
 * the counters, as if each had been registered through the API.
 */
export async function seedRegistrations(
  db: DynamoDBDocumentClient,
  tables: { registrations: string; state: string },
  from: number,
  to: number,
): Promise<void> {
  const batches = Math.ceil((to - from) / 25);
  await inParallel(batches, 8, async (batch) => {
    const start = from + batch * 25;
    let requests: NonNullable<ConstructorParameters<typeof BatchWriteCommand>[0]["RequestItems"]>[string] | undefined =
      Array.from({ length: Math.min(25, to - start) }, (_, i) => ({
        PutRequest: { Item: registrationItem(benchAddress(start + i)) },
      }));
    while (requests?.length) {
      const { UnprocessedItems }: BatchWriteCommandOutput = await db.send(
        new BatchWriteCommand({ RequestItems: { [tables.registrations]: requests } }),
      );
      requests = UnprocessedItems?.[tables.registrations];
    }
  });
  // One counter update per shard, by the number of seeded addresses that move it.
  const added = new Map<number, number>();
  for (let index = from; index < to; index++) {
    const shard = counterShardOf(benchAddress(index).toLowerCase());
    added.set(shard, (added.get(shard) ?? 0) + 1);
  }
  for (const [shard, count] of added) {
    await db.send(
      new UpdateCommand({
        TableName: tables.state,
        Key: registrationCounterShard(shard),
        UpdateExpression: "ADD #count :count, active :count",
        ExpressionAttributeNames: { "#count": "count" },
        ExpressionAttributeValues: { ":count": count },
      }),
    );
  }
}
