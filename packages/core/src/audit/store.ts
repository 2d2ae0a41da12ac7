import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { backOff, isConflict, queryAll, transactWrite } from "../aws/dynamo.ts";
import { AUDIT_LOG_PK, auditHeadKey, auditRecordKey } from "../state/keys.ts";
import {
  type AuditEntry,
  type AuditRecord,
  type ChainHead,
  nextRecord,
  type Verification,
  verifyChain,
} from "./chain.ts";

export type AuditFilter = {
  /** A member's id. */
  member?: string;
  action?: string;
  /** ISO times: records at or after `since`, before `until`. */
  since?: string;
  until?: string;
  /** The page after this one: records older than this place in the chain. */
  before?: number;
};

export type AuditPage = { records: AuditRecord[]; next?: number };

export type AuditLog = {
  /** Appends one record to the chain and returns it; retried until it is the head's successor. */
  record(entry: AuditEntry): Promise<AuditRecord>;
  /** Newest first, `PAGE_SIZE` a page. */
  page(filter?: AuditFilter): Promise<AuditPage>;
  /** Every kept record, oldest first. */
  all(): Promise<AuditRecord[]>;
  verify(): Promise<Verification>;
};

/**
 * Every append lost the race for the chain's head. The request answers 503: a PIN use is recorded
 * before its route runs, so nothing then happens unaudited.
 */
export class AuditBusyError extends Error {
  override name = "AuditBusyError";
  constructor(attempts: number) {
    super(`The audit log's head kept moving: nothing was appended after ${attempts} attempts`);
  }
}

export const PAGE_SIZE = 50;
/** Appends that keep losing the race for the head give up after this many; each waits with jitter. */
const APPEND_ATTEMPTS = 60;

export type AuditLogDeps = {
  db: DynamoDBDocumentClient;
  stateTable: string;
  /** How long a record is kept: the stage's `auditRetentionDays`. */
  retentionDays: number;
  now?: () => Date;
};

const raise = (error: unknown): never => {
  throw error;
};
const KEY_ATTRIBUTES = ["pk", "sk"];
const asRecord = (item: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(item).filter(([name]) => !KEY_ATTRIBUTES.includes(name))) as AuditRecord;

/**
 * The append-only chained log. An append is one transaction: the record, put only if its place
 * is free, and the head moved to it only if it still names the record before. A concurrent append
 * cancels it (a conflict, or a failed condition once the other committed): it reads the head
 * again and retries after a random pause.
 */
export function createAuditLog({ db, stateTable, retentionDays, now = () => new Date() }: AuditLogDeps): AuditLog {
  const readHead = async (): Promise<ChainHead | undefined> => {
    const { Item } = await db.send(new GetCommand({ TableName: stateTable, Key: auditHeadKey, ConsistentRead: true }));
    return Item && { seq: Item.seq as number, hash: Item.hash as string };
  };

  const tryAppend = async (entry: AuditEntry): Promise<AuditRecord | undefined> => {
    const head = await readHead();
    const record = nextRecord(head, entry, now(), retentionDays);
    const transaction = transactWrite(
      db,
      [
        {
          Put: {
            TableName: stateTable,
            Item: { ...auditRecordKey(record.seq), ...record },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
        {
          Update: {
            TableName: stateTable,
            Key: auditHeadKey,
            UpdateExpression: "SET seq = :seq, #hash = :hash",
            ConditionExpression: head ? "#hash = :prev" : "attribute_not_exists(pk)",
            ExpressionAttributeNames: { "#hash": "hash" },
            ExpressionAttributeValues: {
              ":seq": record.seq,
              ":hash": record.hash,
              ...(head && { ":prev": head.hash }),
            },
          },
        },
      ],
      1,
    );
    // Lost to another append either way: one in flight (a conflict) or one committed (a condition).
    const failed = await transaction.catch((error: unknown) =>
      isConflict(error) ? ["TransactionConflict"] : raise(error),
    );
    return failed ? undefined : record;
  };

  return {
    async record(entry) {
      for (let attempt = 1; ; attempt++) {
        const appended = await tryAppend(entry);
        if (appended) return appended;
        if (attempt === APPEND_ATTEMPTS) throw new AuditBusyError(attempt);
        await backOff(Math.min(attempt, 6));
      }
    },

    async page({ member, action, since, until, before } = {}) {
      const filter = filterExpression({ member, action, since, until });
      const values: Record<string, unknown> = { ":pk": AUDIT_LOG_PK, ...filter?.values };
      if (before !== undefined) values[":before"] = auditRecordKey(before).sk;
      const records: AuditRecord[] = [];
      let cursor: Record<string, unknown> | undefined;
      // A filter is applied after a page is read, so pages are read until 50 match or none are left.
      do {
        const page = await db.send(
          new QueryCommand({
            TableName: stateTable,
            KeyConditionExpression: before === undefined ? "pk = :pk" : "pk = :pk AND sk < :before",
            FilterExpression: filter?.expression,
            ExpressionAttributeNames: filter?.names,
            ExpressionAttributeValues: values,
            ScanIndexForward: false,
            Limit: PAGE_SIZE + 1 - records.length,
            ExclusiveStartKey: cursor,
            ConsistentRead: true,
          }),
        );
        records.push(...(page.Items ?? []).map(asRecord));
        cursor = page.LastEvaluatedKey;
      } while (cursor && records.length <= PAGE_SIZE);
      const more = records.length > PAGE_SIZE;
      const shown = records.slice(0, PAGE_SIZE);
      return { records: shown, next: more ? shown.at(-1)!.seq : undefined };
    },

    async all() {
      const items = await queryAll(db, {
        TableName: stateTable,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": AUDIT_LOG_PK },
      });
      return items.map(asRecord);
    },

    async verify() {
      const head = await readHead();
      return verifyChain(await this.all(), head);
    },
  };
}

/** The filter of a page, on the record's attributes (a filter cannot name the key). */
function filterExpression({ member, action, since, until }: Omit<AuditFilter, "before">) {
  const parts = [
    member !== undefined && { test: "#actor.id = :member", name: "actor", value: [":member", member] },
    action !== undefined && { test: "#action = :action", name: "action", value: [":action", action] },
    since !== undefined && { test: "#at >= :since", name: "at", value: [":since", since] },
    until !== undefined && { test: "#at < :until", name: "at", value: [":until", until] },
  ].filter((part) => part !== false);
  if (parts.length === 0) return undefined;
  return {
    expression: parts.map(({ test }) => test).join(" AND "),
    names: Object.fromEntries(parts.map(({ name }) => [`#${name}`, name])),
    values: Object.fromEntries(parts.map(({ value }) => value)),
  };
}
