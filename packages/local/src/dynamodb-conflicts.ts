import { Agent, createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "./aws-env.ts";
import { dynamoError, forwardWhole, ONGOING, transactionCanceled } from "./dynamodb-wire.ts";

/**
 * DynamoDB's transaction conflict rules ("Transaction conflict handling", DynamoDB developer
 * guide), which DynamoDB Local does not apply: it queues concurrent writes to one item instead.
 * An HTTP proxy in front of DynamoDB Local that tracks which items each request in flight writes:
 *
 * 1. a `TransactWriteItems` naming an item that another `TransactWriteItems` in flight names is
 *    cancelled: `TransactionCanceledException`, a `TransactionConflict` reason for that item and
 *    `None` for the others;
 * 2. a `PutItem`, `UpdateItem` or `DeleteItem` on an item of a `TransactWriteItems` in flight fails
 *    with `TransactionConflictException` (which the SDK does not retry);
 * 3. a `TransactGetItems` naming an item that a `TransactWriteItems`, `BatchWriteItem`, `PutItem`,
 *    `UpdateItem` or `DeleteItem` in flight writes is cancelled as in 1.
 *
 * Single-item writes to one item do not conflict with each other: DynamoDB serializes them, and
 * DynamoDB Local does likewise. Errors have the shape and status DynamoDB gives them, so the SDK
 * raises the same exceptions it raises on AWS.
 *
 * "In flight" is from the moment DynamoDB Local is handed a request until it answers. DynamoDB Local
 * answers a transaction in a few milliseconds when idle; on AWS one takes tens of milliseconds, so
 * each transaction holds its items for at least `transactionMs` before its answer is passed on.
 */
export type ConflictProxyOptions = {
  /** DynamoDB Local's endpoint, e.g. `http://127.0.0.1:8000`. */
  upstream: string;
  port: number;
  host?: string;
  /** Off: pass every request through unchanged, for comparison (`DYNAMODB_CONFLICTS=off`). */
  rules?: boolean;
  /** The least time a `TransactWriteItems` holds its items, as on AWS. */
  transactionMs?: number;
  /** The least time a single-item or batch write holds its items (tests use it to make writes overlap). */
  writeMs?: number;
};

export type ConflictCounts = {
  /** Transactions cancelled because another transaction held one of their items (rule 1). */
  transactWrites: number;
  /** Single-item writes refused because a transaction held their item (rule 2). */
  singleWrites: number;
  /** Transactional reads cancelled because a write held one of their items (rule 3). */
  transactGets: number;
};

export type ConflictProxy = {
  endpoint: string;
  rules: boolean;
  conflicts(): ConflictCounts;
  stop(): Promise<void>;
};

/** Whether `npm start`, the tests and the bench apply the rules: on unless `DYNAMODB_CONFLICTS=off`. */
export function conflictRulesFrom(env: NodeJS.ProcessEnv): boolean {
  return env.DYNAMODB_CONFLICTS?.toLowerCase() !== "off";
}

type AttributeValue = Record<string, unknown>;
type Item = Record<string, AttributeValue>;
type KeyedAction = { TableName: string; Key?: Item; Item?: Item };
type Holds = { transactions: number; writes: number };

const TARGET_PREFIX = "DynamoDB_20120810.";
const SINGLE_WRITES = new Set(["PutItem", "UpdateItem", "DeleteItem"]);
const TABLE_CHANGES = new Set(["CreateTable", "DeleteTable"]);

export async function startConflictProxy({
  upstream,
  port,
  host = "127.0.0.1",
  rules = true,
  transactionMs = 20,
  writeMs = 0,
}: ConflictProxyOptions): Promise<ConflictProxy> {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const describer = new DynamoDBClient({ endpoint: upstream, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const keySchemas = new Map<string, Promise<string[]>>();
  const holds = new Map<string, Holds>();
  const counts: ConflictCounts = { transactWrites: 0, singleWrites: 0, transactGets: 0 };

  function keyNames(tableName: string): Promise<string[]> {
    let names = keySchemas.get(tableName);
    if (!names) {
      names = describer
        .send(new DescribeTableCommand({ TableName: tableName }))
        .then(({ Table }) => (Table?.KeySchema ?? []).map((key) => key.AttributeName!));
      names.catch(() => keySchemas.delete(tableName));
      keySchemas.set(tableName, names);
    }
    return names;
  }

  /** One item's identity: its table and its key attributes, whatever else the request carries. */
  async function itemId({ TableName, Key, Item }: KeyedAction): Promise<string> {
    const source = Key ?? Item ?? {};
    const names = await keyNames(TableName);
    return JSON.stringify([TableName, ...names.map((name) => source[name])]);
  }

  function hold(ids: string[], kind: keyof Holds): () => void {
    for (const id of ids) {
      const entry = holds.get(id) ?? { transactions: 0, writes: 0 };
      entry[kind]++;
      holds.set(id, entry);
    }
    return () => {
      for (const id of ids) {
        const entry = holds.get(id)!;
        entry[kind]--;
        if (entry.transactions === 0 && entry.writes === 0) holds.delete(id);
      }
    };
  }

  const forward = (incoming: IncomingMessage, body: Buffer) => forwardWhole(target, agent, incoming, body);

  async function forwardHolding(incoming: IncomingMessage, body: Buffer, release: () => void, minimumMs = 0) {
    const started = performance.now();
    try {
      const answer = await forward(incoming, body);
      const left = minimumMs - (performance.now() - started);
      if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
      return answer;
    } finally {
      release();
    }
  }

  async function handle(incoming: IncomingMessage, body: Buffer) {
    const operation = String(incoming.headers["x-amz-target"] ?? "").replace(TARGET_PREFIX, "");
    if (!rules || !body.length) return forward(incoming, body);
    const input = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
    if (TABLE_CHANGES.has(operation)) keySchemas.delete(input.TableName as string);

    if (operation === "TransactWriteItems") {
      const actions = (input.TransactItems as Record<string, KeyedAction>[]).map((entry) => Object.values(entry)[0]!);
      const ids = await Promise.all(actions.map(itemId));
      const reasons = ids.map((id) => (holds.get(id)?.transactions ? "TransactionConflict" : "None"));
      if (reasons.includes("TransactionConflict")) {
        counts.transactWrites++;
        return transactionCanceled(reasons);
      }
      return forwardHolding(incoming, body, hold(ids, "transactions"), transactionMs);
    }
    if (operation === "TransactGetItems") {
      const actions = (input.TransactItems as { Get: KeyedAction }[]).map((entry) => entry.Get);
      const ids = await Promise.all(actions.map(itemId));
      const reasons = ids.map((id) => (holds.has(id) ? "TransactionConflict" : "None"));
      if (reasons.includes("TransactionConflict")) {
        counts.transactGets++;
        return transactionCanceled(reasons);
      }
      return forward(incoming, body);
    }
    if (SINGLE_WRITES.has(operation)) {
      const id = await itemId(input as KeyedAction);
      if (holds.get(id)?.transactions) {
        counts.singleWrites++;
        return dynamoError("TransactionConflictException", { message: ONGOING });
      }
      return forwardHolding(incoming, body, hold([id], "writes"), writeMs);
    }
    if (operation === "BatchWriteItem") {
      const requests = Object.entries(
        input.RequestItems as Record<string, { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]>,
      );
      const ids = await Promise.all(
        requests.flatMap(([TableName, writes]) =>
          writes.map((write) => itemId({ TableName, Item: write.PutRequest?.Item, Key: write.DeleteRequest?.Key })),
        ),
      );
      return forwardHolding(incoming, body, hold(ids, "writes"), writeMs);
    }
    return forward(incoming, body);
  }

  const server: Server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      handle(incoming, Buffer.concat(chunks)).then(
        (answer) => {
          outgoing.writeHead(answer.status, answer.headers);
          outgoing.end(answer.body);
        },
        (error: unknown) => {
          // DynamoDB Local unreachable, or a body it would refuse anyway: answer as a failing server does.
          const { status, headers, body } = dynamoError(
            "InternalServerError",
            { message: `Conflict proxy: ${String(error)}` },
            500,
          );
          outgoing.writeHead(status, headers);
          outgoing.end(body);
        },
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const { port: listening } = server.address() as AddressInfo;

  return {
    endpoint: `http://${host}:${listening}`,
    rules,
    conflicts: () => ({ ...counts }),
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      agent.destroy();
      describer.destroy();
    },
  };
}
