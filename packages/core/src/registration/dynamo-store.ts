import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, ScanCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { AlreadyRegisteredError } from "./errors.ts";
import type { Registration, RegistrationStore, ScanCursor } from "./store.ts";

const COUNTER_KEY = { pk: "counter", sk: "registrations" };
// Every registration touches the one counter item, so concurrent transactions cancel each other
// with TransactionConflict; they are retried here because the SDK does not retry cancellations.
const MAX_ATTEMPTS = 10;

export type DynamoRegistrationStoreOptions = {
  db: DynamoDBDocumentClient;
  registrationsTable: string;
  stateTable: string;
};

export function createDynamoRegistrationStore({
  db,
  registrationsTable,
  stateTable,
}: DynamoRegistrationStoreOptions): RegistrationStore {
  return {
    async add(registration) {
      const write = new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: registrationsTable,
              Item: registration,
              ConditionExpression: "attribute_not_exists(email)",
            },
          },
          {
            Update: {
              TableName: stateTable,
              Key: COUNTER_KEY,
              UpdateExpression: "ADD #count :one",
              ExpressionAttributeNames: { "#count": "count" },
              ExpressionAttributeValues: { ":one": 1 },
            },
          },
        ],
      });
      for (let attempt = 1; ; attempt++) {
        try {
          await db.send(write);
          return;
        } catch (error) {
          if (!(error instanceof TransactionCanceledException)) throw error;
          const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code);
          if (codes[0] === "ConditionalCheckFailed") throw new AlreadyRegisteredError();
          if (!codes.includes("TransactionConflict") || attempt === MAX_ATTEMPTS) throw error;
          await jitteredPause(attempt);
        }
      }
    },

    async count() {
      const { Item } = await db.send(
        new GetCommand({
          TableName: stateTable,
          Key: COUNTER_KEY,
          ProjectionExpression: "#count",
          ExpressionAttributeNames: { "#count": "count" },
        }),
      );
      return typeof Item?.count === "number" ? Item.count : 0;
    },

    async get(email) {
      const { Item } = await db.send(new GetCommand({ TableName: registrationsTable, Key: { email } }));
      return Item as Registration | undefined;
    },

    async scanPage({ segment, totalSegments, cursor, limit }) {
      const page = await db.send(
        new ScanCommand({
          TableName: registrationsTable,
          Segment: segment,
          TotalSegments: totalSegments,
          ExclusiveStartKey: cursor,
          Limit: limit,
          ProjectionExpression: "email",
        }),
      );
      return {
        emails: (page.Items ?? []).map((item) => item.email as string),
        cursor: page.LastEvaluatedKey as ScanCursor | undefined,
      };
    },
  };
}

function jitteredPause(attempt: number): Promise<void> {
  const ceiling = Math.min(200, 5 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}
