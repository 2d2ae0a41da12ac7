import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { ActiveVersions, RegistrationStore } from "../registration/store.ts";
import { talliesSnapshotKey } from "../state/keys.ts";
import type { UsageStore } from "../usage/dynamo-store.ts";
import { summarize, type UsageSummary } from "../usage/summary.ts";

/**
 * The console overview's tallies that only a read of the whole list gives: active registrations by
 * OpenEMR version and by distribution, and the usage summary. Counted by the `Tallies` cron and kept
 * as one item, as listmonk keeps its dashboard's counts in materialized views: the overview reads
 * that item, whatever the size of the list, and says how old it is.
 */
export type TalliesSnapshot = { countedAt: string; versions: ActiveVersions; usage: UsageSummary };

export type TalliesStore = {
  latest(): Promise<TalliesSnapshot | undefined>;
  save(snapshot: TalliesSnapshot): Promise<void>;
};

/** The usage summary's window, as `GET /api/usage/summary` has it. */
export const USAGE_DAYS = 90;
/**
 * The most versions or distributions kept by name, the rest summed as "other": a version is what a
 * site sent, and thousands of distinct ones would outgrow DynamoDB's 400 KB item.
 */
const MAX_NAMES = 200;

function largest(tally: Record<string, number>): Record<string, number> {
  const sorted = Object.entries(tally).sort(([, a], [, b]) => b - a);
  const rest = sorted.slice(MAX_NAMES).reduce((sum, [, n]) => sum + n, 0);
  return Object.fromEntries(rest ? [...sorted.slice(0, MAX_NAMES), ["other", rest]] : sorted);
}

export function createDynamoTalliesStore({ db, stateTable }: { db: DynamoDBDocumentClient; stateTable: string }) {
  return {
    async latest() {
      const { Item } = await db.send(new GetCommand({ TableName: stateTable, Key: talliesSnapshotKey }));
      return Item && { countedAt: Item.countedAt, versions: Item.versions, usage: Item.usage };
    },
    async save(snapshot) {
      // Only ever newer: a slow run that started before a quicker one does not put older counts back.
      await db
        .send(
          new PutCommand({
            TableName: stateTable,
            Item: { ...talliesSnapshotKey, ...snapshot },
            ConditionExpression: "attribute_not_exists(pk) OR countedAt < :countedAt",
            ExpressionAttributeValues: { ":countedAt": snapshot.countedAt },
          }),
        )
        .catch((error: unknown) => {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        });
    },
  } satisfies TalliesStore;
}

/** Counts the tallies afresh, from the whole list and every site's latest report, and keeps them. */
export async function countTallies(
  {
    registrations,
    usage,
    tallies,
  }: {
    registrations: Pick<RegistrationStore, "activeVersions">;
    usage: Pick<UsageStore, "snapshots">;
    tallies: Pick<TalliesStore, "save">;
  },
  now: Date,
): Promise<TalliesSnapshot> {
  const since = new Date(now.getTime() - USAGE_DAYS * 86_400_000);
  const [versions, sites] = await Promise.all([registrations.activeVersions(), usage.snapshots(since)]);
  const snapshot = {
    countedAt: now.toISOString(),
    versions: { ...versions, byVersion: largest(versions.byVersion), byDistribution: largest(versions.byDistribution) },
    usage: summarize(sites, since),
  };
  await tallies.save(snapshot);
  return snapshot;
}
