import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { type RateWindow, rateWindowKey } from "../state/keys.ts";

/** Hits on one key in a fixed window that opens with its first hit. */
export type WindowCount = { hits: number; endsAt: Date };

export type WindowCounter = {
  /** Counts one hit in the key's open window, or opens a new one with it; returns the window after. */
  hit(key: string, now: Date): Promise<WindowCount>;
  /**
   * Takes one of the `limit` hits the key's window allows, atomically: however many callers race,
   * at most `limit` are granted. A refused caller gets the full window, and takes nothing.
   */
  take(key: string, now: Date, limit: number): Promise<WindowCount & { granted: boolean }>;
  /** Gives back a hit taken in the window `taken`, unless that window has since ended. */
  giveBack(key: string, taken: WindowCount): Promise<void>;
  /** Keeps the key's open window open until `until`. */
  extend(key: string, until: Date): Promise<void>;
};

export type WindowCounterOptions = {
  db: DynamoDBDocumentClient;
  stateTable: string;
  /** Which kind of window, so that counters for different purposes never share an item. */
  name: RateWindow;
  windowSeconds: number;
};

// Two hits that both find the last window ended race to open the next; the loser counts again.
const MAX_ATTEMPTS = 3;

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/**
 * Fixed-window hit counts per key (an IP, say) in the State table, with a TTL, so that every
 * Lambda instance sees the same count and old windows delete themselves: `hits`, `windowEndsAt`
 * and `expiresAt` (epoch seconds).
 * @example
 * const attempts = createWindowCounter({
 *   db,
 *   stateTable,
 *   name: RATE_WINDOWS.registrationAttempts,
 *   windowSeconds: 3600,
 * });
 * const { hits, endsAt } = await attempts.hit(ip, new Date());
 */
export function createWindowCounter({ db, stateTable, name, windowSeconds }: WindowCounterOptions): WindowCounter {
  const Key = (key: string) => rateWindowKey(name, key);
  const window = (item: { hits?: unknown; windowEndsAt?: unknown }) => ({
    hits: Number(item.hits ?? 0),
    endsAt: new Date(Number(item.windowEndsAt ?? 0) * 1000),
  });

  async function take(key: string, now: Date, limit: number) {
    const nowSeconds = seconds(now);
    const windowEndsAt = nowSeconds + windowSeconds;
    for (let attempt = 1; ; attempt++) {
      try {
        const { Attributes } = await db.send(
          new UpdateCommand({
            TableName: stateTable,
            Key: Key(key),
            UpdateExpression:
              "ADD hits :one SET windowEndsAt = if_not_exists(windowEndsAt, :end), " +
              "expiresAt = if_not_exists(expiresAt, :end)",
            ConditionExpression: "attribute_not_exists(pk) OR (windowEndsAt > :now AND hits < :limit)",
            ExpressionAttributeValues: { ":one": 1, ":end": windowEndsAt, ":now": nowSeconds, ":limit": limit },
            ReturnValues: "ALL_NEW",
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        );
        return { ...window(Attributes!), granted: true };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const full = error.Item && window({ hits: error.Item.hits?.N, windowEndsAt: error.Item.windowEndsAt?.N });
        if (full && full.endsAt.getTime() > now.getTime()) return { ...full, granted: false };
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
        return { hits: 1, endsAt: new Date(windowEndsAt * 1000), granted: true };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException) || attempt === MAX_ATTEMPTS) throw error;
      }
    }
  }

  async function changeOpenWindow(
    key: string,
    update: Omit<ConstructorParameters<typeof UpdateCommand>[0], "TableName" | "Key">,
  ) {
    try {
      await db.send(new UpdateCommand({ TableName: stateTable, Key: Key(key), ...update }));
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  return {
    hit: (key, now) => take(key, now, Number.MAX_SAFE_INTEGER),
    take,
    giveBack: (key, taken) =>
      changeOpenWindow(key, {
        UpdateExpression: "ADD hits :less",
        ConditionExpression: "windowEndsAt = :end AND hits > :zero",
        ExpressionAttributeValues: { ":less": -1, ":end": seconds(taken.endsAt), ":zero": 0 },
      }),
    extend: (key, until) =>
      changeOpenWindow(key, {
        UpdateExpression: "SET windowEndsAt = :until, expiresAt = :until",
        ConditionExpression: "attribute_exists(pk) AND windowEndsAt < :until",
        ExpressionAttributeValues: { ":until": seconds(until) },
      }),
  };
}
