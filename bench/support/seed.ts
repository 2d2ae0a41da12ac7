import {
  BatchWriteCommand,
  type BatchWriteCommandOutput,
  type DynamoDBDocumentClient,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import {
  counterShardOf,
  counterUpdate,
  isoWeek,
  newRegistration,
  type Registration,
  type RegistrationStatus,
  weekAttribute,
} from "@oemr-reg/core/registration";
import { counted, statusAttribute } from "@oemr-reg/core/registration/counters";
import { inParallel } from "./stats.ts";

export const benchAddress = (index: number) => `admin${index}@clinic${index % 97}.bench.example.org`;

/** A registration item as `register()` stores it. */
export function registrationItem(address: string, at = new Date()): Registration {
  return newRegistration(
    { email: address, version: "7.0.3", distribution: "docker" },
    { sourceIp: "203.0.113.7", now: at },
  );
}

/** What the seeded registration of an index is: its status now, and when it was registered. */
export type SeedShape = (index: number) => { status: RegistrationStatus; registeredAt: Date };
const activeNow: SeedShape = () => ({ status: "active", registeredAt: new Date() });

/**
 * The item a registration of this shape is left as: registered (so in the counts: `counted`), then
 * its status changed if not active.
 */
function seededItem(index: number, shape: SeedShape): Registration {
  const { status, registeredAt } = shape(index);
  const item = counted(registrationItem(benchAddress(index), registeredAt));
  return status === "active" ? item : { ...item, status, statusChangedAt: registeredAt.toISOString() };
}

/**
 * Writes registrations `from` to `to - 1` straight into the table (25 a request) and adds them to
 * their counter shards as their registration and status changes would have: `count`, their status
 * and their registration's ISO week, one update per shard.
 */
export async function seedRegistrations(
  db: DynamoDBDocumentClient,
  tables: { registrations: string; state: string },
  from: number,
  to: number,
  shape: SeedShape = activeNow,
): Promise<void> {
  const batches = Math.ceil((to - from) / 25);
  // Per shard, the amounts to add: the registrations' transactions and status changes, summed.
  const added = new Map<string, { email: string; delta: Record<string, number> }>();
  const count = (email: string, attribute: string) => {
    const shard = String(counterShardOf(email));
    const entry = added.get(shard) ?? { email, delta: {} };
    entry.delta[attribute] = (entry.delta[attribute] ?? 0) + 1;
    added.set(shard, entry);
  };
  await inParallel(batches, 8, async (batch) => {
    const start = from + batch * 25;
    const items = Array.from({ length: Math.min(25, to - start) }, (_, i) => seededItem(start + i, shape));
    for (const item of items) {
      for (const attribute of ["count", statusAttribute(item.status), weekAttribute(isoWeek(item.registeredAt))])
        count(item.email, attribute);
    }
    let requests: NonNullable<ConstructorParameters<typeof BatchWriteCommand>[0]["RequestItems"]>[string] | undefined =
      items.map((Item) => ({ PutRequest: { Item } }));
    while (requests?.length) {
      const { UnprocessedItems }: BatchWriteCommandOutput = await db.send(
        new BatchWriteCommand({ RequestItems: { [tables.registrations]: requests } }),
      );
      requests = UnprocessedItems?.[tables.registrations];
    }
  });
  for (const { email, delta } of added.values())
    await db.send(new UpdateCommand(counterUpdate(tables.state, email, delta).Update!));
}
