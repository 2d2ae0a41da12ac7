import { type DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import type { TransactItems } from "../aws/dynamo.ts";
import { deliveryKey, sesMessageKey } from "../state/keys.ts";
import type { DeliveryRef } from "./store.ts";

// What SES later reports about a delivery the delivery store settled: which recipient an SES
// message id was sent to, and the marks its events leave on the delivery record, for the SES
// events store to put in its own transactions.

/** The broadcast and recipient an SES message was sent to, if a broadcast sent it. */
export async function readSentMail(
  db: DynamoDBDocumentClient,
  stateTable: string,
  sesMessageId: string,
): Promise<DeliveryRef | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: stateTable, Key: sesMessageKey(sesMessageId) }));
  return Item && { broadcastId: Item.broadcastId as string, email: Item.email as string };
}

/** The transaction item that marks a recipient's delivery delivered, as SES reported it. */
export const deliveredUpdate = (stateTable: string, delivery: DeliveryRef, at: string) =>
  deliveryMark(stateTable, delivery, "deliveredAt", at, "attribute_exists(pk)");

/** What SES reports that a broadcast counts, once per recipient, and the mark each leaves on the delivery. */
export const COUNTED_MARKS = { hardBounces: "hardBouncedAt", complaints: "complainedAt" } as const;
export type CountedEvent = keyof typeof COUNTED_MARKS;

/** The transaction item that marks a recipient's delivery hard-bounced or complained of, refused if it was already. */
export const countedMark = (stateTable: string, delivery: DeliveryRef, counted: CountedEvent, at: string) =>
  deliveryMark(
    stateTable,
    delivery,
    COUNTED_MARKS[counted],
    at,
    `attribute_exists(pk) AND attribute_not_exists(${COUNTED_MARKS[counted]})`,
  );

function deliveryMark(
  stateTable: string,
  { broadcastId, email }: DeliveryRef,
  attribute: "deliveredAt" | (typeof COUNTED_MARKS)[CountedEvent],
  at: string,
  condition: string,
): TransactItems[number] {
  return {
    Update: {
      TableName: stateTable,
      Key: deliveryKey(broadcastId, email),
      UpdateExpression: `SET ${attribute} = :at`,
      ConditionExpression: condition,
      ExpressionAttributeValues: { ":at": at },
    },
  };
}
