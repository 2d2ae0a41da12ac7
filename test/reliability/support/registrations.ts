import { type DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { Resource } from "sst";

/** Every address in the Registrations table, by its key, read through `db`. */
export async function storedAddresses(db: DynamoDBDocumentClient): Promise<Set<string>> {
  const keys = new Set<string>();
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new ScanCommand({ TableName: Resource.Registrations.name, ProjectionExpression: "email", ExclusiveStartKey }),
    );
    for (const item of page.Items ?? []) keys.add(item.email as string);
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return keys;
}
