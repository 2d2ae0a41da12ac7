import { SQSClient } from "@aws-sdk/client-sqs";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { createSqsQueue } from "@oemr-reg/core/aws/sqs";
import { createDynamoBroadcastStore, createFanoutHandler } from "@oemr-reg/core/broadcast";
import { createDynamoRegistrationStore } from "@oemr-reg/core/registration";
import { Resource } from "sst";

const db = createDocumentClient();
const sqs = new SQSClient({});
const stateTable = Resource.State.name;

export const handler = createFanoutHandler({
  broadcasts: createDynamoBroadcastStore({ db, stateTable, deliveryDays: Resource.Settings.deliveryRetentionDays }),
  registrations: createDynamoRegistrationStore({ db, registrationsTable: Resource.Registrations.name, stateTable }),
  sendQueue: createSqsQueue(sqs, Resource.Send.url),
  fanoutQueue: createSqsQueue(sqs, Resource.Fanout.url),
  now: () => new Date(),
});
