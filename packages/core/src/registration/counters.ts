import { createHash } from "node:crypto";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { batchGet, type TransactItems } from "../aws/dynamo.ts";
import { addExpression } from "../aws/expressions.ts";
import { legacyRegistrationCounter, registrationCounterShard } from "../state/keys.ts";
import type { RegistrationStatus } from "./store.ts";

/**
 * `count` (addresses ever registered) and `active` (addresses mailed), kept exact by moving them in
 * the same transaction as every registration and status change, and spread over shards so that no
 * one item is in every such transaction: DynamoDB cancels a transaction that meets another on one
 * of its items (`TransactionConflict`), and one item takes at most 1,000 write units a second. An
 * address always moves its own shard, chosen by a hash of it; reading sums every shard with one
 * BatchGetItem, whatever the number of registrations.
 * The single counter of stacks made before the shards is read and added in, never written again.
 */
export const COUNTER_SHARDS = 32;

export type Counts = { count: number; active: number };
type TransactItem = TransactItems[number];

/** The statuses besides `active` that are counted too, for the board's console. */
export const OPTED_OUT = ["unsubscribed", "bounced", "complained"] as const;
export type StatusCounts = Record<(typeof OPTED_OUT)[number], number>;

/**
 * The registration item's marker (`counted: true`): its opted-out status and its registration week
 * are in the shards' counts. Every new registration has it; the backfill (backfill.ts) gives it to
 * the older ones, adding them in the same transaction. A status change moves the opted-out counts
 * only of a counted registration, else one the counts never held would go below 0.
 */
export const COUNTED = "counted";
export const counted = <T extends object>(item: T): T & { counted: true } => ({ ...item, [COUNTED]: true as const });

/**
 * The shard attribute of a status's count. `active` moves with every status change of every
 * registration, so it is exact for all. The opted-out counts and the weeks (weekAttribute) hold
 * counted registrations only, under names of their own: the first release's `unsubscribed` and
 * `w2026W49` moved for registrations without the marker too, which the backfill cannot tell apart.
 */
export const statusAttribute = (status: RegistrationStatus) => (status === "active" ? status : `${status}Counted`);

/** The shard an address moves: the same for every change of it. */
export function counterShardOf(email: string): number {
  return createHash("sha256").update(email).digest().readUInt32BE(0) % COUNTER_SHARDS;
}

/** The transaction item that moves an address's shard by these amounts. */
export function counterUpdate(
  stateTable: string,
  email: string,
  delta: Partial<Counts> & Partial<StatusCounts> & Record<string, number>,
): TransactItem {
  const update = addExpression(delta);
  return {
    Update: {
      TableName: stateTable,
      Key: registrationCounterShard(counterShardOf(email)),
      UpdateExpression: update.expression,
      ExpressionAttributeNames: update.names,
      ExpressionAttributeValues: update.values,
    },
  };
}

/**
 * The counter attribute of registrations in one ISO week (`w2026W49`): on the address's shard, so
 * a registration's transaction names no item more than before, and one BatchGetItem reads a year.
 */
export const weekAttribute = (week: string) => `r${week.replace("-", "")}`;

/** The shard update of a new registration: `count`, its status's count and its ISO week's count. */
export function registrationCounterUpdate(
  stateTable: string,
  email: string,
  registeredAt: string,
  status: RegistrationStatus = "active",
): TransactItem {
  return counterUpdate(stateTable, email, {
    count: 1,
    [statusAttribute(status)]: 1,
    [weekAttribute(isoWeek(registeredAt))]: 1,
  });
}

/**
 * The shard update of an erased registration: out of `count` and its status's count (an opted-out
 * one only if counted). Its registration week's count stays: it says how many registered that week.
 */
export function erasedCounterUpdate(
  stateTable: string,
  email: string,
  status: RegistrationStatus,
  isCounted: boolean,
): TransactItem {
  const delta: Record<string, number> = { count: -1 };
  if (status === "active" || isCounted) delta[statusAttribute(status)] = -1;
  return counterUpdate(stateTable, email, delta);
}

/**
 * The change of the status counts (`active`, and each opted-out status's if the registration is
 * `counted`) that moving a registration from one status to another makes, for a transaction that
 * changes the status and holds the registration to the counted state it was read in;
 * `undefined` when none moves.
 */
export function activeCounterUpdate(
  stateTable: string,
  email: string,
  from: RegistrationStatus | undefined,
  to: RegistrationStatus,
  isCounted: boolean,
): TransactItem | undefined {
  if (from === to) return undefined;
  const delta: Record<string, number> = {};
  for (const [status, by] of [
    [to, 1],
    [from, -1],
  ] as const)
    if (status && (status === "active" || isCounted)) delta[statusAttribute(status)] = by;
  return Object.keys(delta).length > 0 ? counterUpdate(stateTable, email, delta) : undefined;
}

/** The ISO 8601 week (`2026-W49`) of a moment, in UTC. */
export function isoWeek(at: string | Date): string {
  const day = new Date(at);
  const date = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()));
  // The week's Thursday decides its year (ISO 8601).
  date.setUTCDate(date.getUTCDate() + 3 - ((date.getUTCDay() + 6) % 7));
  const week = Math.ceil(((date.getTime() - Date.UTC(date.getUTCFullYear(), 0, 1)) / 86_400_000 + 1) / 7);
  return `${date.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

/** Both counts: every shard and the legacy counter, summed. One request (at most 100 keys). */
export async function readCounts(db: DynamoDBDocumentClient, stateTable: string): Promise<Counts> {
  const { count, active } = await readTallies(db, stateTable, ["count", "active"]);
  return { count: count ?? 0, active: active ?? 0 };
}

/** The ISO weeks that end with `at`'s, oldest first. */
export function lastWeeks(at: Date, weeks: number): string[] {
  return Array.from({ length: weeks }, (_, i) => isoWeek(new Date(at.getTime() - (weeks - 1 - i) * 7 * 86_400_000)));
}

export type Overview = Counts & StatusCounts & { perWeek: { week: string; registrations: number }[] };

/** Every count the console shows, the registrations of each of `weeks` among them: one BatchGetItem. */
export async function readOverview(db: DynamoDBDocumentClient, stateTable: string, weeks: string[]): Promise<Overview> {
  const opted = OPTED_OUT.map(statusAttribute);
  const tallies = await readTallies(db, stateTable, ["count", "active", ...opted, ...weeks.map(weekAttribute)]);
  const of = (name: string) => tallies[name] ?? 0;
  return {
    count: of("count"),
    active: of("active"),
    unsubscribed: of(statusAttribute("unsubscribed")),
    bounced: of(statusAttribute("bounced")),
    complained: of(statusAttribute("complained")),
    perWeek: weeks.map((week) => ({ week, registrations: of(weekAttribute(week)) })),
  };
}

/** These attributes summed over every shard and the legacy counter. One request (at most 100 keys). */
async function readTallies(db: DynamoDBDocumentClient, stateTable: string, attributes: string[]) {
  const keys = [
    legacyRegistrationCounter,
    ...Array.from({ length: COUNTER_SHARDS }, (_, shard) => registrationCounterShard(shard)),
  ];
  const names = Object.fromEntries(attributes.map((name, i) => [`#a${i}`, name]));
  const items = await batchGet(db, stateTable, keys, { expression: Object.keys(names).join(", "), names });
  const sums: Record<string, number> = {};
  for (const item of items)
    for (const name of attributes) if (typeof item[name] === "number") sums[name] = (sums[name] ?? 0) + item[name];
  return sums;
}
