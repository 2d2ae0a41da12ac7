import { gzipSync } from "node:zlib";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { queryAll } from "../aws/dynamo.ts";
import { usageReportKey, usageSitesPk } from "../state/keys.ts";
import type { StoredReport } from "./report.ts";
import { type SiteSnapshot, snapshotOf } from "./summary.ts";

// In the State table (state/keys.ts), each expiring (`expiresAt`) after the retention period: each
// report, gzipped JSON (a resend of the same date replaces it); and each site's latest report
// boiled down (summary.ts), for the summary, its sites spread over SITE_SHARDS partitions.
const SITE_SHARDS = 16;
/** A stored report stays well under DynamoDB's 400 KB an item. */
export const MAX_STORED_REPORT_BYTES = 350 * 1024;

export class ReportTooLargeError extends Error {
  override name = "ReportTooLargeError";
}

export type UsageStore = {
  /**
   * Stores a site's report, replacing one of the same date, and makes it the site's latest unless
   * a later-dated one is already.
   * @throws ReportTooLargeError when even compressed it would not fit an item.
   */
  save(report: StoredReport, expiresAt: Date): Promise<void>;
  /** Every site's latest snapshot received since `since`. */
  snapshots(since: Date): Promise<SiteSnapshot[]>;
};

export function createDynamoUsageStore({
  db,
  stateTable,
}: {
  db: DynamoDBDocumentClient;
  stateTable: string;
}): UsageStore {
  return {
    async save(report, expiresAt) {
      const compressed = gzipSync(JSON.stringify(report));
      if (compressed.length > MAX_STORED_REPORT_BYTES)
        throw new ReportTooLargeError(`The report is ${compressed.length} bytes compressed`);
      const ttl = Math.floor(expiresAt.getTime() / 1000);
      await db.send(
        new PutCommand({
          TableName: stateTable,
          Item: {
            ...usageReportKey(report.siteId, report.reportingDate),
            receivedAt: report.receivedAt,
            report: compressed,
            expiresAt: ttl,
          },
        }),
      );
      const snapshot = snapshotOf(report);
      try {
        await db.send(
          new PutCommand({
            TableName: stateTable,
            Item: { pk: siteShard(report.siteId), sk: report.siteId, ...snapshot, expiresAt: ttl },
            ConditionExpression: "attribute_not_exists(pk) OR reportingDate <= :date",
            ExpressionAttributeValues: { ":date": report.reportingDate },
          }),
        );
      } catch (error) {
        // A later-dated report is the site's latest already: this one is kept, but not as that.
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },

    async snapshots(since) {
      const shards = await Promise.all(
        Array.from({ length: SITE_SHARDS }, (_, shard) =>
          queryAll(db, {
            TableName: stateTable,
            KeyConditionExpression: "pk = :pk",
            FilterExpression: "receivedAt >= :since",
            ExpressionAttributeValues: { ":pk": usageSitesPk(shard), ":since": since.toISOString() },
          }),
        ),
      );
      return shards.flat().map(({ pk: _pk, sk: _sk, expiresAt: _expiresAt, ...snapshot }) => snapshot as SiteSnapshot);
    },
  };
}

function siteShard(siteId: string): string {
  let hash = 0;
  for (const char of siteId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return usageSitesPk(hash % SITE_SHARDS);
}
