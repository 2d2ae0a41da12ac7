import { SESClient } from "@aws-sdk/client-ses";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import {
  createDynamoBroadcastStore,
  createDynamoSendPacer,
  createSender,
  createSendHandler,
  createSesMailer,
  fromAddress,
} from "@oemr-reg/core/broadcast";
import { createPgpSigner } from "@oemr-reg/core/email/pgp-signer";
import { onFirstUse } from "@oemr-reg/core/on-first-use";
import { createDynamoRegistrationStore } from "@oemr-reg/core/registration";
import { Resource } from "sst";

const db = createDocumentClient();
const stateTable = Resource.State.name;
const broadcasts = createDynamoBroadcastStore({
  db,
  stateTable,
  deliveryDays: Resource.Settings.deliveryRetentionDays,
});

const backoff = onFirstUse(async () => {
  const [{ SQSClient }, { createSqsBackoff }] = await Promise.all([
    import("@aws-sdk/client-sqs"),
    import("@oemr-reg/core/aws/sqs"),
  ]);
  return createSqsBackoff(new SQSClient({}), Resource.Send.url);
});

export const handler = createSendHandler({
  broadcasts,
  sender: createSender({
    broadcasts,
    registrations: createDynamoRegistrationStore({ db, registrationsTable: Resource.Registrations.name, stateTable }),
    // Throttling is retried through the queue with backoff, where the pacer sees it, not in the SDK.
    mailer: createSesMailer(new SESClient({ maxAttempts: 1 }), { configurationSet: Resource.Mailer.configSet }),
    from: fromAddress(Resource.Mailer.sender),
    publicUrl: Resource.Settings.publicUrl,
    unsubscribeKey: Resource.UnsubscribeKey.value,
    // Parsed on the first email and kept while the Lambda is warm.
    signer: createPgpSigner({ privateKey: Resource.SigningKey.value }),
  }),
  pacer: createDynamoSendPacer({ db, stateTable, ratePerSecond: Resource.Settings.sendRate }),
  // Only a throttled or failing send puts its message back: the SQS client loads with the first.
  retryLater: async (receiptHandle, receiveCount) => (await backoff())(receiptHandle, receiveCount),
});
