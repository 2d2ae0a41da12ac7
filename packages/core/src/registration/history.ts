import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { queryAll } from "../aws/dynamo.ts";
import { addressHistoryPk } from "../state/keys.ts";
import type { ListChange, Registration } from "./store.ts";

// An address's history in the State table: its list changes (this module's) and its SES events
// (ses-events/), each kind under a sort-key prefix of its own (state/keys.ts).

/** The items of one address's history whose sort key starts with `prefix`, oldest first, keys left out. */
export async function readHistory<T>(
  db: DynamoDBDocumentClient,
  stateTable: string,
  email: string,
  prefix: string,
): Promise<T[]> {
  const items = await queryAll(db, {
    TableName: stateTable,
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
    ExpressionAttributeValues: { ":pk": addressHistoryPk(email), ":prefix": prefix },
  });
  return items.map(({ pk: _pk, sk: _sk, ...entry }) => entry as T);
}

/**
 * The registration as the first change of its address's history. A re-registration replaces the
 * item's product id and source IP, and its own change keeps the ones it replaced: the first such
 * change holds the original ones.
 */
export function registeredEntry(registration: Registration, changes: ListChange[]): ListChange {
  const firstReregistration = changes.find((change) => change.type === "Reregistered");
  return {
    email: registration.email,
    type: "Registered",
    at: registration.registeredAt,
    from: undefined,
    to: "active",
    sourceIp: firstReregistration ? firstReregistration.previousSourceIp : registration.sourceIp,
    productId: firstReregistration?.previousProductId ?? registration.productId,
  };
}
