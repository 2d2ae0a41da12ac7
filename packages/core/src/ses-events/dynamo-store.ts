import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { type TransactItems, transactWrite } from "../aws/dynamo.ts";
import { countedMark, deliveredUpdate, readSentMail } from "../broadcast/delivery-events.ts";
import { progressUpdate } from "../broadcast/progress.ts";
import { activeCounterUpdate } from "../registration/counters.ts";
import { deliveryStateUpdate, readDeliveryState } from "../registration/delivery-state.ts";
import { readHistory } from "../registration/history.ts";
import { DEFAULT_RETENTION, expiresAt } from "../state/expiry.ts";
import { addressHistoryPk, SES_EVENT_PREFIX, sesEventSk } from "../state/keys.ts";
import type { HistoryEntry, SesEventStore } from "./store.ts";

// Each event is an entry of its address's history in the State table; its effect on the
// registration is the registration module's to write (delivery-state.ts), on a broadcast's
// delivery record the delivery store's, in the same transaction.

export type DynamoSesEventStoreOptions = {
  db: DynamoDBDocumentClient;
  registrationsTable: string;
  stateTable: string;
  /** How long an SES event stays in the address's history (state/expiry.ts). */
  historyDays?: number;
};

export function createDynamoSesEventStore({
  db,
  registrationsTable,
  stateTable,
  historyDays = DEFAULT_RETENTION.historyDays,
}: DynamoSesEventStoreOptions): SesEventStore {
  return {
    deliveryState: (email) => readDeliveryState(db, registrationsTable, email),

    sentMail: (sesMessageId) => readSentMail(db, stateTable, sesMessageId),

    async record({ entry, change, delivered, countedFor }) {
      const transactItems: TransactItems = [
        {
          Put: {
            TableName: stateTable,
            Item: {
              pk: addressHistoryPk(entry.email),
              sk: sesEventSk(entry.occurredAt, entry.sesMessageId, entry.type),
              ...entry,
              expiresAt: expiresAt(entry.occurredAt, historyDays),
            },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
      ];
      if (change) {
        transactItems.push(
          deliveryStateUpdate(registrationsTable, entry.email, entry.recordedAt, change.from, change.to),
        );
        // A bounce or complaint of an active address takes it out of the `active` count.
        const { status, counted } = change.from;
        const counter = activeCounterUpdate(stateTable, entry.email, status, change.to.status, counted === true);
        if (counter) transactItems.push(counter);
      }
      if (delivered) transactItems.push(deliveredUpdate(stateTable, delivered, delivered.at));
      // Without the hard bounce or complaint marker, a write is never "counted already".
      const plain = () => write(db, () => transactItems) as Promise<"recorded" | "duplicate" | "conflict">;
      if (!countedFor) return plain();
      // The recipient's delivery is marked (only if it was not yet) and the broadcast's
      // `hardBounces` or `complaints` moved, or neither: counted once per recipient.
      const { broadcastId, counted } = countedFor;
      const marker = transactItems.length;
      const result = await write(
        db,
        () => [
          ...transactItems,
          countedMark(stateTable, { broadcastId, email: entry.email }, counted, entry.occurredAt),
          progressUpdate(stateTable, broadcastId, { [counted]: 1 }),
        ],
        marker,
      );
      // Another notification about this recipient's email counted it already: record this one only.
      return result === "counted already" ? plain() : result;
    },

    history: (email) => readHistory<HistoryEntry>(db, stateTable, email, SES_EVENT_PREFIX),
  };
}

/**
 * One transaction (retried while only a transaction in flight stood in its way): `duplicate` when
 * its first item (the history entry) exists, `counted already` when only the counted marker at
 * `marker` refused, `conflict` when something else changed.
 */
async function write(
  db: DynamoDBDocumentClient,
  items: () => TransactItems,
  marker?: number,
): Promise<"recorded" | "duplicate" | "conflict" | "counted already"> {
  const codes = await transactWrite(db, items);
  if (!codes) return "recorded";
  if (codes[0] === "ConditionalCheckFailed") return "duplicate";
  if (
    marker !== undefined &&
    codes[marker] === "ConditionalCheckFailed" &&
    codes.every((code, index) => index === marker || code === "None")
  ) {
    return "counted already";
  }
  return "conflict";
}
