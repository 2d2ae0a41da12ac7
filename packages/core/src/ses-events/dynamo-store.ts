import { type DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { type TransactItems, transactWrite } from "../aws/dynamo.ts";
import { progressUpdate } from "../broadcast/progress.ts";
import { activeCounterUpdate } from "../registration/counters.ts";
import { historyPk, readHistory } from "../registration/dynamo-store.ts";
import type { DeliveryState, HistoryEntry, SesEventStore } from "./store.ts";

// Layout:
//   Registrations, key <email>:                 status, transientBounces, lastDeliveryAt,
//                                              lastTransientBounceAt, statusChangedAt, sesVersion
//   State pk "address#<email>", sk "event#<occurredAt>#<sesMessageId>#<type>"   one history entry
//   State pk "sesmsg#<messageId>", sk "mail"    written by the broadcast sender: read here
//   State pk "broadcast#<id>", sk "to#<email>"  the delivery record: `deliveredAt`, `hardBouncedAt` set here
//   State pk "broadcast#<id>#progress"          the broadcast's counters: `hardBounces` counted here, once per recipient
const historySk = ({ occurredAt, sesMessageId, type }: HistoryEntry) => `event#${occurredAt}#${sesMessageId}#${type}`;

export type DynamoSesEventStoreOptions = {
  db: DynamoDBDocumentClient;
  registrationsTable: string;
  stateTable: string;
};

export function createDynamoSesEventStore({ db, registrationsTable, stateTable }: DynamoSesEventStoreOptions): SesEventStore {
  return {
    async deliveryState(email) {
      const { Item } = await db.send(
        new GetCommand({
          TableName: registrationsTable,
          Key: { email },
          ConsistentRead: true,
          ProjectionExpression: "#status, transientBounces, lastDeliveryAt, lastTransientBounceAt, sesVersion",
          ExpressionAttributeNames: { "#status": "status" },
        }),
      );
      if (!Item) return undefined;
      return {
        status: Item.status ?? "active",
        transientBounces: Item.transientBounces ?? 0,
        lastDeliveryAt: Item.lastDeliveryAt,
        lastTransientBounceAt: Item.lastTransientBounceAt,
        version: Item.sesVersion ?? 0,
      };
    },

    async sentMail(sesMessageId) {
      const { Item } = await db.send(new GetCommand({ TableName: stateTable, Key: { pk: `sesmsg#${sesMessageId}`, sk: "mail" } }));
      return Item && { broadcastId: Item.broadcastId as string, email: Item.email as string };
    },

    async record({ entry, change, delivered, hardBounceOf }) {
      const transactItems: TransactItems = [
        {
          Put: {
            TableName: stateTable,
            Item: { pk: historyPk(entry.email), sk: historySk(entry), ...entry },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
      ];
      if (change) {
        transactItems.push({ Update: registrationUpdate(registrationsTable, entry, change.from, change.to) });
        // A bounce or complaint of an active address takes it out of the `active` count.
        const counter = activeCounterUpdate(stateTable, entry.email, change.from.status, change.to.status);
        if (counter) transactItems.push(counter);
      }
      if (delivered) {
        transactItems.push({
          Update: {
            TableName: stateTable,
            Key: { pk: `broadcast#${delivered.broadcastId}`, sk: `to#${delivered.email}` },
            UpdateExpression: "SET deliveredAt = :at",
            ConditionExpression: "attribute_exists(pk)",
            ExpressionAttributeValues: { ":at": delivered.at },
          },
        });
      }
      // Without the hard bounce marker, a write is never "counted already".
      const plain = () => write(db, () => transactItems) as Promise<"recorded" | "duplicate" | "conflict">;
      if (!hardBounceOf) return plain();
      const result = await write(db, () => [...transactItems, ...hardBounceItems(stateTable, hardBounceOf.broadcastId, entry)]);
      // Another notification about this recipient's email counted it already: record this one only.
      return result === "counted already" ? plain() : result;
    },

    history: (email) => readHistory<HistoryEntry>(db, stateTable, email, "event#"),
  };
}

/**
 * One transaction (retried while only a transaction in flight stood in its way): `duplicate` when
 * its first item (the history entry) exists, `counted already` when only a hard bounce marker
 * (second to last) refused, `conflict` when something else changed.
 */
async function write(db: DynamoDBDocumentClient, items: () => TransactItems): Promise<"recorded" | "duplicate" | "conflict" | "counted already"> {
  const built = items();
  const codes = await transactWrite(db, items);
  if (!codes) return "recorded";
  if (codes[0] === "ConditionalCheckFailed") return "duplicate";
  const marker = built.length - 2;
  if (built[marker]?.Update?.UpdateExpression === HARD_BOUNCE_MARK && codes[marker] === "ConditionalCheckFailed" && codes.every((code, index) => index === marker || code === "None")) {
    return "counted already";
  }
  return "conflict";
}

const HARD_BOUNCE_MARK = "SET hardBouncedAt = :at";

/**
 * A broadcast's hard bounce, counted once per recipient: the delivery record is marked (only if it
 * was not yet) and the broadcast's `hardBounces` incremented, or neither.
 */
function hardBounceItems(TableName: string, broadcastId: string, entry: HistoryEntry): TransactItems {
  return [
    {
      Update: {
        TableName,
        Key: { pk: `broadcast#${broadcastId}`, sk: `to#${entry.email}` },
        UpdateExpression: HARD_BOUNCE_MARK,
        ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(hardBouncedAt)",
        ExpressionAttributeValues: { ":at": entry.occurredAt },
      },
    },
    progressUpdate(TableName, broadcastId, { hardBounces: 1 }),
  ];
}

/** The registration's new state, conditioned on nobody having changed it since it was read. */
function registrationUpdate(TableName: string, entry: HistoryEntry, from: DeliveryState, to: DeliveryState) {
  const set: Record<string, unknown> = {
    status: to.status,
    transientBounces: to.transientBounces,
    lastDeliveryAt: to.lastDeliveryAt,
    lastTransientBounceAt: to.lastTransientBounceAt,
    sesVersion: from.version + 1,
    statusChangedAt: to.status !== from.status ? entry.recordedAt : undefined,
  };
  const names = Object.keys(set).filter((name) => set[name] !== undefined);
  return {
    TableName,
    Key: { email: entry.email },
    UpdateExpression: `SET ${names.map((name) => `#${name} = :${name}`).join(", ")}`,
    ConditionExpression: `attribute_exists(email) AND ${from.version === 0 ? "attribute_not_exists(#sesVersion)" : "#sesVersion = :version"}`,
    ExpressionAttributeNames: Object.fromEntries(names.map((name) => [`#${name}`, name])),
    ExpressionAttributeValues: {
      ...Object.fromEntries(names.map((name) => [`:${name}`, set[name]])),
      ...(from.version === 0 ? {} : { ":version": from.version }),
    },
  };
}
