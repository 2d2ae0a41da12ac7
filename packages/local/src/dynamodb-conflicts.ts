import { Agent, type IncomingMessage } from "node:http";
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import pLimit from "p-limit";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "./aws-env.ts";
import { dynamoError, forwardWhole, ONGOING, serveWhole, transactionCanceled } from "./dynamodb-wire.ts";

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
 * "In flight" is from the moment DynamoDB Local is handed a request until it answers; the proxy hands
 * it a few at a time, so that time is its work, not a wait in its queue. DynamoDB Local
 * answers a transaction in a few milliseconds when idle; on AWS one takes tens of milliseconds, so
 * each transaction holds its items for at least `transactionMs` before its answer is passed on.
 */
export type ConflictProxyOptions = {
  /** DynamoDB Local's endpoint, e.g. `http://127.0.0.1:8000`. */
  upstream: string;
  port: number;
  host?: string;
  /** Off: pass every request through unchanged and at once, for comparison (`DYNAMODB_CONFLICTS=off`). */
  rules?: boolean;
  /** The least time a `TransactWriteItems` holds its items, as on AWS. */
  transactionMs?: number;
  /** The least time a single-item or batch write holds its items (tests use it to make writes overlap). */
  writeMs?: number;
  /** How many requests DynamoDB Local is handed at once; the others wait in the proxy, holding nothing. */
  upstreamConcurrency?: number;
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
type Answer = ReturnType<typeof transactionCanceled>;
type Plan = {
  /** The error DynamoDB would answer instead, given what is held at hand-over; none: forward it. */
  refusal?: () => Answer | undefined;
  /** What the request holds from hand-over until DynamoDB Local answers, and at least `minimumMs`. */
  holds?: { ids: string[]; kind: keyof Holds; minimumMs: number };
};

const TARGET_PREFIX = "DynamoDB_20120810.";
const SINGLE_WRITES = new Set(["PutItem", "UpdateItem", "DeleteItem"]);
const TABLE_CHANGES = new Set(["CreateTable", "DeleteTable"]);
/**
 * Enough to keep DynamoDB Local's threads busy on a few cores, few enough that it queues nothing
 * itself: a request waiting in its queue would hold its items for as long, where on AWS a request
 * waits in no queue, and a saturated emulator would refuse many times more transactions than AWS.
 */
const UPSTREAM_CONCURRENCY = 8;

export async function startConflictProxy({
  upstream,
  port,
  host = "127.0.0.1",
  rules = true,
  transactionMs = 20,
  writeMs = 0,
  upstreamConcurrency = UPSTREAM_CONCURRENCY,
}: ConflictProxyOptions): Promise<ConflictProxy> {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const describer = new DynamoDBClient({ endpoint: upstream, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const keySchemas = new Map<string, Promise<string[]>>();
  const holds = new Map<string, Holds>();
  const counts: ConflictCounts = { transactWrites: 0, singleWrites: 0, transactGets: 0 };
  const handOver = pLimit(upstreamConcurrency);

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

  /** What a request writes or reads transactionally, and whether it meets a hold: decided as it is handed over. */
  async function planOf(operation: string, input: Record<string, unknown>): Promise<Plan> {
    if (operation === "TransactWriteItems") {
      const actions = (input.TransactItems as Record<string, KeyedAction>[]).map((entry) => Object.values(entry)[0]!);
      const ids = await Promise.all(actions.map(itemId));
      return {
        refusal: () => refuseIfHeld(ids, (held) => held.transactions > 0, "transactWrites"),
        holds: { ids, kind: "transactions", minimumMs: transactionMs },
      };
    }
    if (operation === "TransactGetItems") {
      const ids = await Promise.all((input.TransactItems as { Get: KeyedAction }[]).map((entry) => itemId(entry.Get)));
      return { refusal: () => refuseIfHeld(ids, () => true, "transactGets") };
    }
    if (SINGLE_WRITES.has(operation)) {
      const id = await itemId(input as KeyedAction);
      const refusal = () => {
        if (!holds.get(id)?.transactions) return undefined;
        counts.singleWrites++;
        return dynamoError("TransactionConflictException", { message: ONGOING });
      };
      return { refusal, holds: { ids: [id], kind: "writes", minimumMs: writeMs } };
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
      return { holds: { ids, kind: "writes", minimumMs: writeMs } };
    }
    return {};
  }

  /** Rules 1 and 3: cancelled, with a `TransactionConflict` reason for each held item. */
  function refuseIfHeld(ids: string[], conflicts: (held: Holds) => boolean, counted: keyof ConflictCounts) {
    const reasons = ids.map((id) => {
      const held = holds.get(id);
      return held && conflicts(held) ? "TransactionConflict" : "None";
    });
    if (!reasons.includes("TransactionConflict")) return undefined;
    counts[counted]++;
    return transactionCanceled(reasons);
  }

  async function handle(incoming: IncomingMessage, body: Buffer) {
    // Off: DynamoDB Local as it is, its own queue included, for comparison.
    if (!rules) return forward(incoming, body);
    if (!body.length) return handOver(() => forward(incoming, body));
    const operation = String(incoming.headers["x-amz-target"] ?? "").replace(TARGET_PREFIX, "");
    const input = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
    if (TABLE_CHANGES.has(operation)) keySchemas.delete(input.TableName as string);
    const plan = await planOf(operation, input);
    let release: (() => void) | undefined;
    let heldFor = 0;
    const answer = await handOver(async () => {
      const refused = plan.refusal?.();
      if (refused) return refused;
      release = plan.holds && hold(plan.holds.ids, plan.holds.kind);
      const started = performance.now();
      try {
        return await forward(incoming, body);
      } finally {
        heldFor = performance.now() - started;
        // Released before the slot passes on, so the next request sees what is still held.
        if (release && heldFor >= plan.holds!.minimumMs) {
          release();
          release = undefined;
        }
      }
    });
    // The slot is free for the next request; the items stay held for the least time AWS would hold them.
    if (release) {
      await new Promise((resolve) => setTimeout(resolve, plan.holds!.minimumMs - heldFor));
      release();
    }
    return answer;
  }

  const { server, port: listening } = await serveWhole(port, host, handle);

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
