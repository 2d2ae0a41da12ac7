import { type DynamoDBDocumentClient, GetCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { transactWrite } from "../aws/dynamo.ts";
import { COUNTED, counterUpdate, isoWeek, statusAttribute, weekAttribute } from "./counters.ts";
import type { RegistrationStatus } from "./store.ts";

/**
 * Brings the registrations from before the `counted` marker (counters.ts `COUNTED`) into the
 * opted-out counts and the weeks. Each in a transaction of its own: the marker set, if it is still
 * absent and the status still the one read, and its shard moved by its opted-out status and its
 * registration's ISO week (`count` and `active` held it already). A status change of the address
 * in between refuses the transaction, and it is read again; one counted in between is left. So it
 * can run while the list is live, be stopped anywhere and run again: it only finds what is left.
 */
export type BackfillOptions = {
  db: DynamoDBDocumentClient;
  registrationsTable: string;
  stateTable: string;
  /** Transactions in flight; each is one registration. */
  concurrency?: number;
  /** After each page of the scan, with the totals so far: for a progress line. */
  onPage?: (totals: BackfillTotals) => void;
};

export type BackfillTotals = {
  /** Registrations without the marker the scan found. */
  found: number;
  /** Counted by this run. */
  counted: number;
  /** Counted by something else, or gone, before this run could. */
  skipped: number;
};

type Uncounted = { email: string; status?: RegistrationStatus; registeredAt?: string };

// A registration whose status keeps changing under the backfill is given up on; the next run takes it.
const MAX_ATTEMPTS = 5;
const PROJECTION = {
  ProjectionExpression: "email, #status, registeredAt, #counted",
  ExpressionAttributeNames: { "#status": "status", "#counted": COUNTED },
};

export async function backfillCounters({
  db,
  registrationsTable,
  stateTable,
  concurrency = 8,
  onPage,
}: BackfillOptions): Promise<BackfillTotals> {
  const totals: BackfillTotals = { found: 0, counted: 0, skipped: 0 };

  /** One registration counted, or found counted (or gone) meanwhile. */
  async function countOne(first: Uncounted): Promise<void> {
    let item: Uncounted | undefined = first;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const refused = await transactWrite(db, countingItems(item));
      if (!refused) {
        totals.counted++;
        return;
      }
      if (refused[0] !== "ConditionalCheckFailed") throw new Error(`Transaction cancelled: ${refused.join(", ")}`);
      item = await uncounted(item.email);
      if (!item) {
        totals.skipped++;
        return;
      }
    }
    throw new Error(`A registration kept changing while it was being counted (${MAX_ATTEMPTS} attempts)`);
  }

  function countingItems({ email, status, registeredAt }: Uncounted) {
    const delta: Record<string, number> = {};
    if (status && status !== "active") delta[statusAttribute(status)] = 1;
    if (registeredAt && !Number.isNaN(Date.parse(registeredAt))) delta[weekAttribute(isoWeek(registeredAt))] = 1;
    return [
      {
        Update: {
          TableName: registrationsTable,
          Key: { email },
          // sesVersion is the SES events handler's optimistic lock: an event read before this applies
          // again, to the counted registration, instead of moving counts as for an uncounted one.
          UpdateExpression: "SET #counted = :true ADD #sesVersion :one",
          ConditionExpression: `attribute_exists(email) AND attribute_not_exists(#counted) AND ${
            status ? "#status = :status" : "attribute_not_exists(#status)"
          }`,
          ExpressionAttributeNames: { "#counted": COUNTED, "#sesVersion": "sesVersion", "#status": "status" },
          ExpressionAttributeValues: { ":true": true, ":one": 1, ...(status ? { ":status": status } : {}) },
        },
      },
      ...(Object.keys(delta).length > 0 ? [counterUpdate(stateTable, email, delta)] : []),
    ];
  }

  /** The registration as it is now, if it is still there and not counted. */
  async function uncounted(email: string): Promise<Uncounted | undefined> {
    const { Item } = await db.send(
      new GetCommand({ TableName: registrationsTable, Key: { email }, ConsistentRead: true, ...PROJECTION }),
    );
    return Item && Item[COUNTED] !== true ? (Item as Uncounted) : undefined;
  }

  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new ScanCommand({
        TableName: registrationsTable,
        FilterExpression: "attribute_not_exists(#counted)",
        ExclusiveStartKey: cursor,
        ...PROJECTION,
      }),
    );
    const items = (page.Items ?? []) as Uncounted[];
    totals.found += items.length;
    let next = 0;
    const worker = async () => {
      while (next < items.length) await countOne(items[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
    onPage?.({ ...totals });
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return totals;
}
