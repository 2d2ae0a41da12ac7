import { type DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import type { TransactItems } from "../aws/dynamo.ts";
import { setExpression } from "../aws/expressions.ts";
import { COUNTED } from "./counters.ts";
import type { RegistrationStatus } from "./store.ts";

/** What SES events have made of a registration: the part of it the SES events handler reads and changes. */
export type DeliveryState = {
  status: RegistrationStatus;
  /** Transient bounces since the last delivery. */
  transientBounces: number;
  lastDeliveryAt: string | undefined;
  lastTransientBounceAt: string | undefined;
  /** Bumped by every change, so that two events for one address cannot both apply to one state. */
  version: number;
  /** In the opted-out counts (counters.ts `COUNTED`); the backfill bumps `version` as it sets it. */
  counted?: boolean;
};

/** A registration's delivery state, read consistently; `undefined` when the address is not registered. */
export async function readDeliveryState(
  db: DynamoDBDocumentClient,
  registrationsTable: string,
  email: string,
): Promise<DeliveryState | undefined> {
  const { Item } = await db.send(
    new GetCommand({
      TableName: registrationsTable,
      Key: { email },
      ConsistentRead: true,
      ProjectionExpression: "#status, transientBounces, lastDeliveryAt, lastTransientBounceAt, sesVersion, #counted",
      ExpressionAttributeNames: { "#status": "status", "#counted": COUNTED },
    }),
  );
  if (!Item) return undefined;
  return {
    status: Item.status ?? "active",
    transientBounces: Item.transientBounces ?? 0,
    lastDeliveryAt: Item.lastDeliveryAt,
    lastTransientBounceAt: Item.lastTransientBounceAt,
    version: Item.sesVersion ?? 0,
    counted: Item[COUNTED] === true,
  };
}

/**
 * The transaction item that moves a registration from the delivery state it was read in to the
 * next, refused if anybody changed it since: the SES events store puts it in its own transaction,
 * so the registration changes with the event's record or not at all.
 */
export function deliveryStateUpdate(
  registrationsTable: string,
  email: string,
  changedAt: string,
  from: DeliveryState,
  to: DeliveryState,
): TransactItems[number] {
  const update = setExpression({
    status: to.status,
    transientBounces: to.transientBounces,
    lastDeliveryAt: to.lastDeliveryAt,
    lastTransientBounceAt: to.lastTransientBounceAt,
    sesVersion: from.version + 1,
    statusChangedAt: to.status !== from.status ? changedAt : undefined,
  });
  const unchanged = from.version === 0 ? "attribute_not_exists(#sesVersion)" : "#sesVersion = :version";
  return {
    Update: {
      TableName: registrationsTable,
      Key: { email },
      UpdateExpression: update.expression,
      ConditionExpression: `attribute_exists(email) AND ${unchanged}`,
      ExpressionAttributeNames: update.names,
      ExpressionAttributeValues: { ...update.values, ...(from.version === 0 ? {} : { ":version": from.version }) },
    },
  };
}
