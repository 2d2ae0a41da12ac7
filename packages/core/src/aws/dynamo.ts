import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  TransactionCanceledException,
  TransactionConflictException,
} from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";

/**
 * The document client every handler shares. Region, credentials and endpoint come from the
 * environment (`AWS_ENDPOINT_URL_DYNAMODB` points it at DynamoDB Local), so no code path knows
 * where it runs. The connection timeout is short, so an unreachable table is reported at once. A
 * slow answer is only warned about (no `throwOnRequestTimeout`): cutting busy calls off to retry
 * them would add load to a table that is already behind. The API's deadline (`createApp`'s
 * `deadlineMs`) bounds how long a caller waits instead.
 */
export function createDocumentClient(): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    maxAttempts: 3,
    requestHandler: {
      connectionTimeout: 1_000,
      requestTimeout: 3_000,
      // The connection timeout runs while a request waits for a free socket, and the SDK's pool
      // holds 50: a process serving many requests at once (the local runner, 255 connections)
      // would report a healthy table as unreachable. Lambda serves one request per instance.
      httpAgent: { maxSockets: 1_024 },
      httpsAgent: { maxSockets: 1_024 },
    },
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export type TransactItems = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]>;

/**
 * Runs a transaction. One cancelled only because another transaction held one of its items at the
 * same moment (`TransactionConflict`) is run again after a random pause that grows with each
 * attempt, since the SDK does not retry cancellations; `items` may be a function, to build the
 * transaction anew for each attempt (a counter shard picked again, say). Resolves with the
 * cancellation codes when a condition failed, so the caller can tell which; with `undefined` when
 * the transaction committed.
 */
export async function transactWrite(
  db: DynamoDBDocumentClient,
  items: TransactItems | (() => TransactItems),
  maxAttempts = CONFLICT_ATTEMPTS,
): Promise<string[] | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      await db.send(new TransactWriteCommand({ TransactItems: typeof items === "function" ? items() : items }));
      return undefined;
    } catch (error) {
      const codes =
        error instanceof TransactionCanceledException
          ? (error.CancellationReasons ?? []).map((reason) => reason.Code ?? "None")
          : [];
      if (codes.includes("ConditionalCheckFailed")) return codes;
      if (!isConflict(error) || attempt === maxAttempts) throw error;
      await backOff(attempt);
    }
  }
}

/** Whether a write went through: `false` when its condition failed, which callers expect. */
export async function ignoringConditionFailure(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

export /** The write's result, or `undefined` when its condition failed; retried while a transaction holds the item. */
async function unlessRefused<T>(write: () => Promise<T>): Promise<T | undefined> {
  try {
    return await retryingConflicts(write);
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

/**
 * Runs a single-item write, again after a random pause while a transaction holds its item
 * (`TransactionConflictException`, which the SDK does not retry).
 */
export async function retryingConflicts<T>(write: () => Promise<T>, maxAttempts = CONFLICT_ATTEMPTS): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (!isConflict(error) || attempt === maxAttempts) throw error;
      await backOff(attempt);
    }
  }
}

/** Whether DynamoDB refused only because a transaction in flight held an item: worth trying again. */
export function isConflict(error: unknown): boolean {
  if (error instanceof TransactionConflictException) return true;
  if (!(error instanceof TransactionCanceledException)) return false;
  const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code ?? "None");
  return (
    codes.includes("TransactionConflict") && codes.every((code) => code === "TransactionConflict" || code === "None")
  );
}

/**
 * Attempts at a write that keeps meeting transactions: with the waits below, at most 3.3 s in all
 * (about 1.7 s on average), well inside the API's deadline. Ten were too few under the reliability
 * suite's 255 connections: one registration in 5,630 met a transaction on its counter shard ten
 * times running and answered 503.
 */
const CONFLICT_ATTEMPTS = 20;

/** Full jitter over an exponential ceiling: 10 ms, 20 ms, ... up to 200 ms. */
export function backOff(attempt: number): Promise<void> {
  const ceiling = Math.min(200, 5 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}

type Item = Record<string, unknown>;

/** Every item a query matches, page after page, read consistently. */
export async function queryAll(
  db: DynamoDBDocumentClient,
  input: Omit<QueryCommandInput, "ExclusiveStartKey" | "ConsistentRead">,
): Promise<Item[]> {
  const items: Item[] = [];
  let cursor: Item | undefined;
  do {
    const page = await db.send(new QueryCommand({ ...input, ExclusiveStartKey: cursor, ConsistentRead: true }));
    items.push(...(page.Items ?? []));
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return items;
}

/**
 * Reads these keys of one table consistently, 100 a request (BatchGetItem's limit), asking again for
 * any DynamoDB left unprocessed. A key without an item is absent from the result; keys must be
 * distinct, since DynamoDB rejects a request that names one twice.
 */
export async function batchGet(
  db: DynamoDBDocumentClient,
  tableName: string,
  keys: Item[],
  projection?: { expression: string; names?: Record<string, string> },
): Promise<Item[]> {
  const found: Item[] = [];
  for (let start = 0; start < keys.length; start += 100) {
    let pending: Item[] | undefined = keys.slice(start, start + 100);
    while (pending?.length) {
      const response: BatchGetCommandOutput = await db.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: {
              Keys: pending,
              ConsistentRead: true,
              ProjectionExpression: projection?.expression,
              ExpressionAttributeNames: projection?.names,
            },
          },
        }),
      );
      found.push(...(response.Responses?.[tableName] ?? []));
      pending = response.UnprocessedKeys?.[tableName]?.Keys;
    }
  }
  return found;
}
