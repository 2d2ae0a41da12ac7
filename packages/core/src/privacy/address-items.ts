import { DeleteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { batchGet, queryAll, retryingConflicts } from "../aws/dynamo.ts";
import {
  ADDRESS_ITEM_KINDS,
  type AddressItemKind,
  addressHistoryPk,
  BROADCAST_LIST_PK,
  deliveryKey,
  type StateKey,
  sesMessageKey,
} from "../state/keys.ts";

// Every State item that holds one address, found by the finders state/keys.ts names for each kind
// (ADDRESS_ITEM_KINDS): no scan. An address's delivery records are read by key, one per broadcast
// (BatchGetItem, 100 a request), rather than through an index on the address: the board sends a
// few broadcasts a month and old records expire, while an index would copy every address of every
// broadcast again and cost a write unit more for each of the fan-out's and senders' writes.
type Item = Record<string, unknown>;
export type FoundItems = Record<AddressItemKind, Item[]>;
/** A broadcast as an address's export and page name it. */
export type BroadcastSummary = { broadcastId: string; title?: string; createdAt?: string; finishedAt?: string };

export type AddressItems = {
  /** Every State item of the address, by kind, as stored (keys included). */
  find(email: string): Promise<FoundItems>;
  /** The broadcasts the delivery records belong to. */
  broadcasts(): Promise<BroadcastSummary[]>;
  /**
   * Deletes every item `find` returns but the delivery records of a broadcast sending to the
   * address at this moment (`pending` or `sending`): its senders settle them as skipped, as the
   * address is gone, and they expire with their broadcast. Returns how many it deleted and left.
   */
  erase(email: string): Promise<{ deleted: number; left: number }>;
};

const UNSETTLED = new Set(["pending", "sending"]);
const DELETES_AT_ONCE = 8;

export function createAddressItems({ db, stateTable }: { db: DynamoDBDocumentClient; stateTable: string }) {
  const broadcasts = async (): Promise<BroadcastSummary[]> => {
    const items = await queryAll(db, {
      TableName: stateTable,
      KeyConditionExpression: "pk = :list",
      ProjectionExpression: "sk, title, createdAt, finishedAt",
      ExpressionAttributeValues: { ":list": BROADCAST_LIST_PK },
    });
    return items.map(({ sk, ...rest }) => ({ broadcastId: sk as string, ...rest }));
  };

  // One finder per way an item is found; `satisfies` makes each kind of keys.ts name one.
  const finders = {
    history: async (email: string) =>
      queryAll(db, {
        TableName: stateTable,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": addressHistoryPk(email) },
      }),
    broadcast: async (email: string) =>
      batchGet(
        db,
        stateTable,
        (await broadcasts()).map(({ broadcastId }) => deliveryKey(broadcastId, email)),
      ),
    delivery: async (email: string, named: Item[]) => {
      const ids = new Set(named.map((item) => item.sesMessageId).filter((id) => typeof id === "string"));
      const items = await batchGet(
        db,
        stateTable,
        [...ids].map((id) => sesMessageKey(id as string)),
      );
      return items.filter((item) => item.email === email);
    },
  } satisfies Record<(typeof ADDRESS_ITEM_KINDS)[AddressItemKind]["foundBy"], unknown>;

  async function find(email: string): Promise<FoundItems> {
    const [history, deliveries] = await Promise.all([finders.history(email), finders.broadcast(email)]);
    const sources = { history, broadcast: deliveries };
    const found = {} as FoundItems;
    for (const [kind, { foundBy, prefix }] of Object.entries(ADDRESS_ITEM_KINDS)) {
      found[kind as AddressItemKind] =
        foundBy === "delivery"
          ? await finders.delivery(email, [...history, ...deliveries])
          : sources[foundBy].filter((item) => (item.sk as string).startsWith(prefix));
    }
    return found;
  }

  async function erase(email: string) {
    const found = await find(email);
    const all = Object.values(found).flat();
    const keep = all.filter((item) => UNSETTLED.has(item.status as string) && found.delivery.includes(item));
    const doomed = all.filter((item) => !keep.includes(item));
    for (let start = 0; start < doomed.length; start += DELETES_AT_ONCE) {
      const chunk = doomed.slice(start, start + DELETES_AT_ONCE);
      await Promise.all(
        chunk.map(({ pk, sk }) =>
          // A delivery's settlement or an SES event's transaction may hold the item a moment.
          retryingConflicts(() => db.send(new DeleteCommand({ TableName: stateTable, Key: { pk, sk } as StateKey }))),
        ),
      );
    }
    return { deleted: doomed.length, left: keep.length };
  }

  return { find, broadcasts, erase } satisfies AddressItems;
}
