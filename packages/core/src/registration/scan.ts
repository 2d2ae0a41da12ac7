import { type DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { Audience } from "./audience.ts";
import { type AudienceProfile, createAudienceFilter } from "./audience-filter.ts";
import { parseOpenEmrVersion, versionBucket } from "./openemr-version.ts";
import type { ActiveVersions, AudienceReach, ScanPage, ScanPageRequest } from "./store.ts";

// Scans of the whole Registrations table, for the fan-out and the board's tallies. Each reads only
// what its caller needs: the address, and the latest version and distribution an audience filters by.
const PROFILE = "version, latestVersion, distribution, latestDistribution";
// Parallel scan segments for a tally: DynamoDB reads each in its own partition's time.
const TALLY_SEGMENTS = 8;

/** A registration's latest version and distribution: an upgrade report's, else the first registration's. */
function profileOf(item: Record<string, unknown>): AudienceProfile {
  const text = (value: unknown) => (typeof value === "string" && value ? value : undefined);
  return {
    version: text(item.latestVersion) ?? text(item.version),
    distribution: text(item.latestDistribution) ?? text(item.distribution),
  };
}

/**
 * One page of one segment of a parallel scan: every registration, whatever its status (a fan-out
 * re-run must still see an address an earlier run added, to queue it if it is pending), with the
 * status read in the same item so that only active ones become recipients.
 */
export async function scanPage(
  db: DynamoDBDocumentClient,
  TableName: string,
  { segment, totalSegments, cursor, limit }: ScanPageRequest,
): Promise<ScanPage> {
  const page = await db.send(
    new ScanCommand({
      TableName,
      Segment: segment,
      TotalSegments: totalSegments,
      ExclusiveStartKey: cursor,
      Limit: limit,
      ProjectionExpression: `email, #status, ${PROFILE}`,
      ExpressionAttributeNames: { "#status": "status" },
    }),
  );
  return {
    entries: (page.Items ?? []).map((item) => ({
      email: item.email as string,
      active: item.status === "active",
      ...profileOf(item),
    })),
    cursor: page.LastEvaluatedKey as ScanPage["cursor"],
  };
}

/** Calls `visit` with every active registration's profile: a parallel scan of four attributes. */
async function scanActive(
  db: DynamoDBDocumentClient,
  TableName: string,
  visit: (profile: AudienceProfile) => void,
): Promise<void> {
  await Promise.all(
    Array.from({ length: TALLY_SEGMENTS }, async (_, segment) => {
      let cursor: Record<string, unknown> | undefined;
      do {
        const page = await db.send(
          new ScanCommand({
            TableName,
            Segment: segment,
            TotalSegments: TALLY_SEGMENTS,
            ExclusiveStartKey: cursor,
            ProjectionExpression: PROFILE,
            FilterExpression: "#status = :active",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: { ":active": "active" },
          }),
        );
        for (const item of page.Items ?? []) visit(profileOf(item));
        cursor = page.LastEvaluatedKey;
      } while (cursor);
    }),
  );
}

/**
 * Active registrations by latest version (one bucket per version however it was written) and by
 * distribution, `unknown` where none was sent.
 */
export async function activeVersions(db: DynamoDBDocumentClient, TableName: string): Promise<ActiveVersions> {
  const tally: ActiveVersions = { active: 0, byVersion: {}, byDistribution: {} };
  const add = (counts: Record<string, number>, name = "unknown") => {
    counts[name] = (counts[name] ?? 0) + 1;
  };
  await scanActive(db, TableName, ({ version, distribution }) => {
    tally.active++;
    add(tally.byVersion, version && versionBucket(version));
    add(tally.byDistribution, distribution);
  });
  return tally;
}

/**
 * How many active registrations an audience reaches, and how many of those among its distributions
 * have no version that parses (a `belowVersion` leaves them out: we cannot tell).
 */
export async function audienceReach(
  db: DynamoDBDocumentClient,
  TableName: string,
  audience: Audience | undefined,
): Promise<AudienceReach> {
  const verdict = createAudienceFilter(audience);
  const amongDistributions = createAudienceFilter(audience?.distributions && { distributions: audience.distributions });
  const reach: AudienceReach = { active: 0, reached: 0, unknownVersion: 0 };
  await scanActive(db, TableName, (profile) => {
    reach.active++;
    if (verdict(profile) === "in") reach.reached++;
    const versionKnown = profile.version !== undefined && parseOpenEmrVersion(profile.version) !== undefined;
    if (!versionKnown && amongDistributions(profile) === "in") reach.unknownVersion++;
  });
  return reach;
}
