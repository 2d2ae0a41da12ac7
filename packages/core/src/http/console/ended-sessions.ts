import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { endedConsoleSession } from "../../state/keys.ts";

/**
 * Console sessions that were logged out. A session is a signed cookie that needs no storage, but
 * a copy of it taken before "Log out" would otherwise work until it expires: logging out records
 * its id until then (the table's TTL removes it after), and every request checks it.
 */
export type EndedSessions = {
  end(sessionId: string, expiresAt: number): Promise<void>;
  ended(sessionId: string): Promise<boolean>;
};

export function createEndedSessions({ db, stateTable }: { db: DynamoDBDocumentClient; stateTable: string }) {
  return {
    async end(sessionId, expiresAt) {
      await db.send(new PutCommand({ TableName: stateTable, Item: { ...endedConsoleSession(sessionId), expiresAt } }));
    },
    async ended(sessionId) {
      const key = endedConsoleSession(sessionId);
      const { Item } = await db.send(new GetCommand({ TableName: stateTable, Key: key, ConsistentRead: true }));
      return Item !== undefined;
    },
  } satisfies EndedSessions;
}
