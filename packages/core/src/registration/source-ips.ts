import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import ipaddr from "ipaddr.js";
import { queryAll, retryingConflicts } from "../aws/dynamo.ts";
import { setExpression } from "../aws/expressions.ts";
import { addressHistoryPk, LIST_CHANGE_PREFIX } from "../state/keys.ts";
import type { ListChange, Registration } from "./store.ts";

// The source IPs a registration keeps (its own and its history's), and their cut to a network
// prefix once they are old enough (privacy/source-ip-sweep.ts decides when). A cut IP is written as
// a CIDR ("203.0.113.0/24"), so that it is never taken for a whole one, and cutting it again
// changes nothing: the sweep is idempotent by construction.

/** The IP's /24 (IPv4, IPv4-mapped IPv6 included) or /48 (IPv6) as a CIDR; an unreadable one is dropped. */
export function cutIp(ip: string): string | undefined {
  if (!isWhole(ip)) return ip;
  if (!ipaddr.isValid(ip)) return undefined;
  const address = ipaddr.process(ip);
  const network =
    address.kind() === "ipv4"
      ? ipaddr.IPv4.networkAddressFromCIDR(`${address}/24`)
      : ipaddr.IPv6.networkAddressFromCIDR(`${address}/48`);
  return `${network}/${address.kind() === "ipv4" ? 24 : 48}`;
}

/** Whether a stored IP is still whole: a cut one is a CIDR. */
export const isWhole = (ip: unknown): ip is string => typeof ip === "string" && !ip.includes("/");

/** The registration's fields that hold an IP, each with when it was stored there. */
const REGISTRATION_IPS = {
  sourceIp: (r: Registration) => r.reregisteredAt ?? r.registeredAt,
  latestSourceIp: (r: Registration) => r.latestReportedAt,
} as const;
const IP_FIELDS = Object.keys(REGISTRATION_IPS) as (keyof typeof REGISTRATION_IPS)[];

/** The whole IPs of a registration stored at or before `cutoff`, as the values to write instead. */
export function registrationCuts(registration: Registration, cutoff: string): Record<string, string | undefined> {
  const cuts: Record<string, string | undefined> = {};
  for (const field of IP_FIELDS) {
    const ip = registration[field];
    const at = REGISTRATION_IPS[field](registration);
    if (isWhole(ip) && at !== undefined && at <= cutoff) cuts[field] = cutIp(ip);
  }
  return cuts;
}

/**
 * Calls `visit` with every registration that still holds a whole IP: one scan of the table, its
 * filter leaving out the rest; how many items it read, and the read capacity units that cost. At
 * this list's size (thousands) a daily scan reads as much as one of the Tallies cron's, which scans
 * every 15 minutes; an index would cost a write on every registration and report instead (docs/privacy.md).
 */
export async function scanWholeIps(
  db: DynamoDBDocumentClient,
  TableName: string,
  visit: (registration: Registration) => Promise<void>,
): Promise<{ scanned: number; readUnits: number }> {
  let scanned = 0;
  let readUnits = 0;
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new ScanCommand({
        TableName,
        ExclusiveStartKey: cursor,
        ProjectionExpression: "email, registeredAt, reregisteredAt, latestReportedAt, sourceIp, latestSourceIp",
        FilterExpression: IP_FIELDS.map((f) => `(attribute_exists(${f}) AND NOT contains(${f}, :slash))`).join(" OR "),
        ExpressionAttributeValues: { ":slash": "/" },
        ReturnConsumedCapacity: "TOTAL",
      }),
    );
    scanned += page.ScannedCount ?? 0;
    readUnits += page.ConsumedCapacity?.CapacityUnits ?? 0;
    for (const item of page.Items ?? []) await visit(item as Registration);
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return { scanned, readUnits };
}

/**
 * Cuts the registration's whole IPs stored at or before `cutoff`, each only if it is still the
 * value read (a registration or report in between stores a new one, which is read again and left
 * whole); the item is never re-created after an erase. How many IPs it cut.
 */
export async function cutRegistrationIps(
  db: DynamoDBDocumentClient,
  TableName: string,
  email: string,
  cutoff: string,
): Promise<number> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const { Item } = await db.send(new GetCommand({ TableName, Key: { email }, ConsistentRead: true }));
    if (!Item) return 0;
    const registration = Item as Registration;
    const cuts = registrationCuts(registration, cutoff);
    if (Object.keys(cuts).length === 0) return 0;
    const wrote = await cutIfUnchanged(db, { TableName, Key: { email } }, registration, cuts);
    if (wrote) return Object.keys(cuts).length;
  }
  return 0;
}

/**
 * Cuts the IPs of the address's list changes stored at or before `cutoff`: an entry's own
 * `sourceIp` was stored at its time; the `previousSourceIp` of a re-registration, when the one
 * before it (or the registration) stored it. How many IPs it cut.
 */
export async function cutHistoryIps(
  db: DynamoDBDocumentClient,
  stateTable: string,
  registration: Registration,
  cutoff: string,
): Promise<number> {
  const entries = (await queryAll(db, {
    TableName: stateTable,
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
    ExpressionAttributeValues: { ":pk": addressHistoryPk(registration.email), ":prefix": LIST_CHANGE_PREFIX },
  })) as (ListChange & { pk: string; sk: string })[];
  let previousAt = registration.registeredAt;
  let cut = 0;
  for (const entry of entries) {
    const cuts: Record<string, string | undefined> = {};
    if (isWhole(entry.sourceIp) && entry.at <= cutoff) cuts.sourceIp = cutIp(entry.sourceIp);
    if (isWhole(entry.previousSourceIp) && previousAt <= cutoff) cuts.previousSourceIp = cutIp(entry.previousSourceIp);
    if (entry.type === "Reregistered") previousAt = entry.at;
    if (Object.keys(cuts).length === 0) continue;
    const key = { pk: entry.pk, sk: entry.sk };
    if (await cutIfUnchanged(db, { TableName: stateTable, Key: key }, entry, cuts)) cut += Object.keys(cuts).length;
  }
  return cut;
}

/** Writes the cuts if each field still holds the value read; `false` when one does not (or the item is gone). */
async function cutIfUnchanged(
  db: DynamoDBDocumentClient,
  target: { TableName: string; Key: Record<string, unknown> },
  read: Record<string, unknown>,
  cuts: Record<string, string | undefined>,
): Promise<boolean> {
  const fields = Object.keys(cuts);
  const set = setExpression(cuts);
  const dropped = fields.filter((field) => cuts[field] === undefined).map((field) => `#${field}`);
  try {
    await retryingConflicts(() =>
      db.send(
        new UpdateCommand({
          ...target,
          UpdateExpression: [
            dropped.length < fields.length ? set.expression : "",
            dropped.length ? `REMOVE ${dropped.join(", ")}` : "",
          ].join(" "),
          ConditionExpression: fields.map((field) => `#${field} = :was_${field}`).join(" AND "),
          ExpressionAttributeNames: Object.fromEntries(fields.map((field) => [`#${field}`, field])),
          ExpressionAttributeValues: {
            ...set.values,
            ...Object.fromEntries(fields.map((field) => [`:was_${field}`, read[field]])),
          },
        }),
      ),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
