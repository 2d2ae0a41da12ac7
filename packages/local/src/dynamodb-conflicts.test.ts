import {
  CreateTableCommand,
  DynamoDBClient,
  TransactionCanceledException,
  TransactionConflictException,
} from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactGetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "./aws-env.ts";
import { type ConflictProxy, conflictRulesFrom, startConflictProxy } from "./dynamodb-conflicts.ts";

// A proxy of this file's own in front of the test emulators' DynamoDB, with long holds, so that a
// request reliably overlaps the one in flight before it.
const HOLD_MS = 400;
const TableName = `conflicts-${crypto.randomUUID().slice(0, 8)}`;
let strict: ConflictProxy;
let lenient: ConflictProxy;
let db: DynamoDBDocumentClient;
let lenientDb: DynamoDBDocumentClient;

const clientOf = (endpoint: string) =>
  DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 3 }),
  );

beforeAll(async () => {
  // Behind the test emulators' own proxy: DynamoDB Local itself.
  const upstream = inject("dynamodbLocal");
  strict = await startConflictProxy({ upstream, port: 0, transactionMs: HOLD_MS, writeMs: HOLD_MS });
  lenient = await startConflictProxy({ upstream, port: 0, rules: false });
  db = clientOf(strict.endpoint);
  lenientDb = clientOf(lenient.endpoint);
  await db.send(
    new CreateTableCommand({
      TableName,
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
});

afterAll(async () => {
  await strict?.stop();
  await lenient?.stop();
});

const key = (name: string) => ({ pk: "item", sk: name });
const add = (name: string) => ({
  Update: { TableName, Key: key(name), UpdateExpression: "ADD n :one", ExpressionAttributeValues: { ":one": 1 } },
});
const transaction = (...names: string[]) => new TransactWriteCommand({ TransactItems: names.map(add) });
/** Starts `first`, then sends `second` while `first` still holds its items. */
async function overlapping<T>(first: Promise<unknown>, second: () => Promise<T>): Promise<T> {
  await new Promise((resolve) => setTimeout(resolve, HOLD_MS / 4));
  try {
    return await second();
  } finally {
    await first;
  }
}
const counter = async (name: string) =>
  (await db.send(new GetCommand({ TableName, Key: key(name), ConsistentRead: true }))).Item?.n;

describe("DynamoDB's transaction conflict rules in front of DynamoDB Local", () => {
  it("cancels a transaction naming an item of another transaction in flight, with a reason per item", async () => {
    const first = db.send(transaction("a1", "shared1"));
    const error = await overlapping(first, () =>
      db.send(transaction("b1", "shared1", "c1")).catch((caught: unknown) => caught),
    );
    expect(error).toBeInstanceOf(TransactionCanceledException);
    const cancelled = error as TransactionCanceledException;
    expect(cancelled.CancellationReasons?.map((reason) => reason.Code)).toEqual([
      "None",
      "TransactionConflict",
      "None",
    ]);
    expect(cancelled.message).toBe(
      "Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict, None]",
    );
    expect(cancelled.$metadata.httpStatusCode).toBe(400);
    // The first committed whole; the cancelled one wrote nothing.
    expect(await counter("shared1")).toBe(1);
    expect(await counter("b1")).toBeUndefined();
  });

  it("lets transactions on different items run together", async () => {
    await Promise.all([db.send(transaction("d2", "e2")), db.send(transaction("f2", "g2"))]);
    expect(await counter("e2")).toBe(1);
    expect(await counter("g2")).toBe(1);
  });

  it(
    "refuses PutItem, UpdateItem and DeleteItem on an item of a transaction in flight, " +
      "and the SDK does not retry them",
    async () => {
      const first = db.send(transaction("shared3"));
      const errors = await overlapping(first, () =>
        Promise.all([
          db
            .send(new PutCommand({ TableName, Item: { ...key("shared3"), n: 100 } }))
            .catch((caught: unknown) => caught),
          db
            .send(
              new UpdateCommand({
                TableName,
                Key: key("shared3"),
                UpdateExpression: "ADD n :one",
                ExpressionAttributeValues: { ":one": 1 },
              }),
            )
            .catch((caught: unknown) => caught),
          db.send(new DeleteCommand({ TableName, Key: key("shared3") })).catch((caught: unknown) => caught),
        ]),
      );
      for (const error of errors) {
        expect(error).toBeInstanceOf(TransactionConflictException);
        expect((error as TransactionConflictException).$metadata.attempts).toBe(1);
      }
      expect(await counter("shared3")).toBe(1);
    },
  );

  it("cancels a transactional read of an item that a transaction or a single write in flight writes", async () => {
    const read = () =>
      db.send(
        new TransactGetCommand({
          TransactItems: [{ Get: { TableName, Key: key("free4") } }, { Get: { TableName, Key: key("shared4") } }],
        }),
      );
    const writes = [
      () => db.send(transaction("shared4")),
      () => db.send(new PutCommand({ TableName, Item: { ...key("shared4"), n: 7 } })),
    ];
    for (const write of writes) {
      const error = await overlapping(write(), () => read().catch((caught: unknown) => caught));
      expect(error).toBeInstanceOf(TransactionCanceledException);
      expect((error as TransactionCanceledException).CancellationReasons?.map((reason) => reason.Code)).toEqual([
        "None",
        "TransactionConflict",
      ]);
    }
    expect((await read()).Responses?.[1]?.Item?.n).toBe(7);
  });

  it("serializes single writes to one item: none is refused", async () => {
    await Promise.all(Array.from({ length: 10 }, () => db.send(new UpdateCommand(add("single5").Update))));
    expect(await counter("single5")).toBe(10);
  });

  it("passes a failed condition through as DynamoDB Local answers it", async () => {
    await db.send(new PutCommand({ TableName, Item: key("cond6") }));
    const error = await db
      .send(
        new TransactWriteCommand({
          TransactItems: [{ Put: { TableName, Item: key("cond6"), ConditionExpression: "attribute_not_exists(pk)" } }],
        }),
      )
      .catch((caught: unknown) => caught);
    expect((error as TransactionCanceledException).CancellationReasons?.map((reason) => reason.Code)).toEqual([
      "ConditionalCheckFailed",
    ]);
  });

  it("counts what it refused", () => {
    expect(strict.conflicts()).toEqual({ transactWrites: 1, singleWrites: 3, transactGets: 2 });
  });

  it("with the rules off, queues concurrent transactions on one item as DynamoDB Local does", async () => {
    await Promise.all(Array.from({ length: 10 }, () => lenientDb.send(transaction("shared7"))));
    expect(await counter("shared7")).toBe(10);
    expect(lenient.conflicts()).toEqual({ transactWrites: 0, singleWrites: 0, transactGets: 0 });
  });

  it("holds nothing for a request waiting its turn at DynamoDB Local: one at a time, none meets another", async () => {
    const upstream = inject("dynamodbLocal");
    const serial = await startConflictProxy({ upstream, port: 0, upstreamConcurrency: 1, transactionMs: 0 });
    try {
      const serialDb = clientOf(serial.endpoint);
      await Promise.all(Array.from({ length: 10 }, () => serialDb.send(transaction("queued8"))));
      expect(await counter("queued8")).toBe(10);
      expect(serial.conflicts()).toEqual({ transactWrites: 0, singleWrites: 0, transactGets: 0 });
    } finally {
      await serial.stop();
    }
  });

  it("is on unless DYNAMODB_CONFLICTS=off", () => {
    expect(conflictRulesFrom({})).toBe(true);
    expect(conflictRulesFrom({ DYNAMODB_CONFLICTS: "on" })).toBe(true);
    expect(conflictRulesFrom({ DYNAMODB_CONFLICTS: "OFF" })).toBe(false);
  });
});
