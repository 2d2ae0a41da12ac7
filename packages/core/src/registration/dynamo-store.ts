import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { batchGet, isConflict, retryingConflicts, type TransactItems, transactWrite } from "../aws/dynamo.ts";
import { setExpression } from "../aws/expressions.ts";
import { progressUpdate } from "../broadcast/progress.ts";
import { DEFAULT_RETENTION, expiresAt } from "../state/expiry.ts";
import { addressHistoryPk, LIST_CHANGE_PREFIX, listChangeSk } from "../state/keys.ts";
import {
  activeCounterUpdate,
  COUNTED,
  counted,
  erasedCounterUpdate,
  readCounts,
  registrationCounterUpdate,
} from "./counters.ts";
import { AlreadyRegisteredError, ErasedAddressError } from "./errors.ts";
import { readHistory, registeredEntry } from "./history.ts";
import { activeVersions, audienceReach, scanPage } from "./scan.ts";
import type { ListChange, Registration, RegistrationStore } from "./store.ts";
import { type AddressHasher, notSuppressed, suppressionPut } from "./suppression.ts";

// The Registrations table, key <email>, is this store's alone; in the State table (state/keys.ts)
// it keeps the counters (counters.ts) and each address's list changes, beside its SES events.
//
// `active` moves in the same transaction as every status change, so it stays exact. A stack that
// held registrations before `active` existed has no such attribute: ADD starts it from 0, so set it
// once to the number of active registrations (docs/api.md, GET /api/registration/unique). Its scans
// are scan.ts's.
type TransactItem = TransactItems[number];
const NEW = "attribute_not_exists(email)";

export type DynamoRegistrationStoreOptions = {
  db: DynamoDBDocumentClient;
  registrationsTable: string;
  stateTable: string;
  /**
   * The keyed hashes of an address (privacy/address-hash.ts) that `add` checks the suppression
   * list for: the API's store, which adds registrations, must have them; readers need none.
   */
  addressHashes?: AddressHasher;
  /** How long a list change stays in the address's history (state/expiry.ts). */
  historyDays?: number;
};

export function createDynamoRegistrationStore({
  db,
  registrationsTable,
  stateTable,
  addressHashes = () => [],
  historyDays = DEFAULT_RETENTION.historyDays,
}: DynamoRegistrationStoreOptions): RegistrationStore {
  const historyPut = (entry: ListChange): TransactItem => ({
    Put: {
      TableName: stateTable,
      Item: {
        pk: addressHistoryPk(entry.email),
        sk: listChangeSk(entry.at, entry.type, crypto.randomUUID().slice(0, 8)),
        ...entry,
        expiresAt: expiresAt(entry.at, historyDays),
      },
    },
  });

  async function get(email: string): Promise<Registration | undefined> {
    const { Item } = await db.send(
      new GetCommand({ TableName: registrationsTable, Key: { email }, ConsistentRead: true }),
    );
    return Item as Registration | undefined;
  }

  /**
   * Sets attributes of a registration under a condition, with the history entry that says why;
   * `false` when the condition failed, or the registration stayed held by other transactions.
   */
  function updateWithHistory(
    email: string,
    set: Record<string, unknown>,
    entry: ListChange,
    condition: { expression: string; names: Record<string, string>; values: Record<string, unknown> },
  ): Promise<boolean> {
    const update = setExpression(set);
    return transact([
      {
        Update: {
          TableName: registrationsTable,
          Key: { email },
          UpdateExpression: update.expression,
          ConditionExpression: condition.expression,
          ExpressionAttributeNames: { ...update.names, ...condition.names },
          ExpressionAttributeValues: { ...update.values, ...condition.values },
        },
      },
      historyPut(entry),
    ]).catch((error: unknown) => {
      // Other writes to this registration kept holding it: as for a failed condition, the caller
      // reads it again and decides anew.
      if (isConflict(error)) return false;
      throw error;
    });
  }

  /** Runs the transaction; `false` when the condition of its first item failed. */
  async function transact(items: TransactItems): Promise<boolean> {
    const failed = await transactWrite(db, items);
    if (failed && failed[0] !== "ConditionalCheckFailed")
      throw new Error(`Transaction cancelled: ${failed.join(", ")}`);
    return !failed;
  }

  return {
    async add(registration) {
      // Two items, not three: the first change of an address's history is the registration
      // itself, and `history` reads it from there. DynamoDB Local runs about a quarter more
      // registrations a second this way, and each costs two write units fewer on AWS.
      const { email, registeredAt, status } = registration;
      const checks = status === "active" ? addressHashes(email).map((hash) => notSuppressed(stateTable, hash)) : [];
      const failed = await transactWrite(db, [
        { Put: { TableName: registrationsTable, Item: counted(registration), ConditionExpression: NEW } },
        registrationCounterUpdate(stateTable, email, registeredAt, status),
        ...checks,
      ]).catch(async (error: unknown) => {
        // Transactions on this address kept meeting (many registrations of it at once): if one of
        // them registered it, this one is a duplicate, as the condition would have said.
        if (isConflict(error) && (await get(email))) return ["ConditionalCheckFailed"];
        throw error;
      });
      if (!failed) return;
      if (failed[0] === "ConditionalCheckFailed") throw new AlreadyRegisteredError();
      if (failed.includes("ConditionalCheckFailed")) throw new ErasedAddressError();
      throw new Error(`Transaction cancelled: ${failed.join(", ")}`);
    },

    erase: ({ email, expected, hashes, at }) =>
      transact([
        expected
          ? {
              Delete: {
                TableName: registrationsTable,
                Key: { email },
                // As read: a status change or the backfill in between moves the counts otherwise.
                ConditionExpression: `#status = :from AND ${expected.counted ? "" : "NOT "}attribute_exists(#counted)`,
                ExpressionAttributeNames: { "#status": "status", "#counted": COUNTED },
                ExpressionAttributeValues: { ":from": expected.status },
              },
            }
          : { ConditionCheck: { TableName: registrationsTable, Key: { email }, ConditionExpression: NEW } },
        ...(expected ? [erasedCounterUpdate(stateTable, email, expected.status, expected.counted === true)] : []),
        ...hashes.map((hash) => suppressionPut(stateTable, hash, at)),
      ]).catch((error: unknown) => {
        if (isConflict(error)) return false;
        throw error;
      }),

    counts: () => readCounts(db, stateTable),

    get,

    async getMany(emails) {
      const keys = [...new Set(emails)].map((email) => ({ email }));
      const items = (await batchGet(db, registrationsTable, keys)) as Registration[];
      return new Map(items.map((registration) => [registration.email, registration]));
    },

    async changeStatus({ email, from, counted: isCounted, to, at, set = {}, entry, unsubscribedBy }) {
      const values: Record<string, unknown> = { ...set, status: to, statusChangedAt: at };
      const update = setExpression(values);
      const counter = activeCounterUpdate(stateTable, email, from, to, isCounted);
      return transact([
        {
          Update: {
            TableName: registrationsTable,
            Key: { email },
            // sesVersion is the SES events handler's optimistic lock: bumping it makes an event
            // read before this change apply again to the new state instead of overwriting it.
            UpdateExpression: `${update.expression} ADD #sesVersion :one`,
            // Counted as read: the backfill may count it in between, and then this moves the counts anew.
            ConditionExpression: `#status = :from AND ${isCounted ? "" : "NOT "}attribute_exists(#counted)`,
            ExpressionAttributeNames: { ...update.names, "#sesVersion": "sesVersion", "#counted": COUNTED },
            ExpressionAttributeValues: { ...update.values, ":from": from, ":one": 1 },
          },
        },
        ...(counter ? [counter] : []),
        historyPut(entry),
        // Only one write can move the address out of `from`: the broadcast counts it once.
        ...(unsubscribedBy ? [progressUpdate(stateTable, unsubscribedBy, { unsubscribes: 1 })] : []),
      ]);
    },

    reregister({ email, expected, set, entry }) {
      const sentCondition = expected.confirmationSentAt
        ? "#confirmationSentAt = :sentBefore"
        : "attribute_not_exists(#confirmationSentAt)";
      return updateWithHistory(email, set, entry, {
        expression: `#status = :status AND ${sentCondition}`,
        names: { "#status": "status", "#confirmationSentAt": "confirmationSentAt" },
        values: {
          ":status": expected.status,
          ...(expected.confirmationSentAt ? { ":sentBefore": expected.confirmationSentAt } : {}),
        },
      });
    },

    report({ email, set, entry }) {
      return updateWithHistory(email, set, entry, {
        expression: "#status = :active",
        names: { "#status": "status" },
        values: { ":active": "active" },
      });
    },

    async releaseConfirmation(email, sentAt) {
      try {
        await retryingConflicts(() =>
          db.send(
            new UpdateCommand({
              TableName: registrationsTable,
              Key: { email },
              UpdateExpression: "REMOVE confirmationSentAt",
              ConditionExpression: "confirmationSentAt = :sentAt",
              ExpressionAttributeValues: { ":sentAt": sentAt },
            }),
          ),
        );
      } catch (error) {
        // Another registration has claimed a newer confirmation since: it is not ours to release.
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },

    async history(email) {
      const changes = await readHistory<ListChange>(db, stateTable, email, LIST_CHANGE_PREFIX);
      const registration = await get(email);
      return registration ? [registeredEntry(registration, changes), ...changes] : changes;
    },

    activeVersions: () => activeVersions(db, registrationsTable),

    audienceReach: (audience) => audienceReach(db, registrationsTable, audience),

    scanPage: (request) => scanPage(db, registrationsTable, request),
  };
}
