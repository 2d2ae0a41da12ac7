import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/**
 * The document client every handler shares. Region, credentials and endpoint come from the
 * environment (`AWS_ENDPOINT_URL_DYNAMODB` points it at DynamoDB Local), so no code path knows
 * where it runs. Timeouts are short because an API request must answer before API Gateway's 30 s:
 * a slow table is reported as unavailable rather than left hanging.
 */
export function createDocumentClient(): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
