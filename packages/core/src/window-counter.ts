import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";

/** Hits on one key in a fixed window that opens with its first hit. */
export type WindowCount = { hits: number; endsAt: Date };

export type WindowCounter = {
  /** The key's open window, or `undefined` when none is open. */
  current(key: string, now: Date): Promise<WindowCount | undefined>;
  /** Counts one hit in the key's open window, or opens a new one with it; returns the window after. */
  hit(key: string, now: Date): Promise<WindowCount>;
};

export type WindowCounterOptions = {
  db: DynamoDBDocumentClient;
  stateTable: string;
  /** Partition prefix, so that counters for different purposes never share an item. */
  name: string;
  windowSeconds: number;
};

// Two hits that both find the last window ended race to open the next; the loser counts again.
const MAX_ATTEMPTS = 3;

/**
 * Fixed-window hit counts per key (an IP, say) in the State table, with a TTL, so that every
 * Lambda instance sees the same count and old windows delete themselves. Layout:
 * `pk "<name>#<key>", sk "window"`: `hits`, `windowEndsAt` and `expiresAt` (epoch seconds).
 * @example
 * const attempts = createWindowCounter({ db, stateTable, name: "regattempt", windowSeconds: 3600 });
 * const { hits, endsAt } = await attempts.hit(ip, new Date());
 */
export function createWindowCounter({ db, stateTable, name, windowSeconds }: WindowCounterOptions): WindowCounter {
  const Key = (key: string) => ({ pk: `${name}#${key}`, sk: "window" });
  const window = (item: Record<string, unknown> | undefined) =>
    item && { hits: Number(item.hits ?? 0), endsAt: new Date(Number(item.windowEndsAt ?? 0) * 1000) };

  return {
    async current(key, now) {
      const { Item } = await db.send(new GetCommand({ TableName: stateTable, Key: Key(key), ConsistentRead: true }));
      const open = window(Item);
      return open && open.endsAt > now ? open : undefined;
    },

    async hit(key, now) {
      const nowSeconds = Math.floor(now.getTime() / 1000);
      const windowEndsAt = nowSeconds + windowSeconds;
      for (let attempt = 1; ; attempt++) {
        try {
          const { Attributes } = await db.send(
            new UpdateCommand({
              TableName: stateTable,
              Key: Key(key),
              UpdateExpression: "ADD hits :one SET windowEndsAt = if_not_exists(windowEndsAt, :end), expiresAt = if_not_exists(expiresAt, :end)",
              ConditionExpression: "attribute_not_exists(pk) OR windowEndsAt > :now",
              ExpressionAttributeValues: { ":one": 1, ":end": windowEndsAt, ":now": nowSeconds },
              ReturnValues: "ALL_NEW",
            }),
          );
          return window(Attributes)!;
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
        try {
          // The last window has ended (TTL deletes lazily): this hit opens a new one.
          await db.send(
            new PutCommand({
              TableName: stateTable,
              Item: { ...Key(key), hits: 1, windowEndsAt, expiresAt: windowEndsAt },
              ConditionExpression: "attribute_not_exists(pk) OR windowEndsAt <= :now",
              ExpressionAttributeValues: { ":now": nowSeconds },
            }),
          );
          return { hits: 1, endsAt: new Date(windowEndsAt * 1000) };
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException) || attempt === MAX_ATTEMPTS) throw error;
        }
      }
    },
  };
}
