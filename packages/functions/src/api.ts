import { SESClient } from "@aws-sdk/client-ses";
import { SQSClient } from "@aws-sdk/client-sqs";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { createSqsQueue } from "@oemr-reg/core/aws/sqs";
import { createDynamoBroadcastStore, createPinGuard, createSesMailer, fromAddress } from "@oemr-reg/core/broadcast";
import { createApp } from "@oemr-reg/core/http";
import { api } from "@oemr-reg/core/resources";
import { createConfirmationSender, createDynamoRegistrationStore } from "@oemr-reg/core/registration";
import { createWindowCounter } from "@oemr-reg/core/window-counter";
import { handle } from "hono/aws-lambda";
import { Resource } from "sst";

const db = createDocumentClient();
const stateTable = Resource.State.name;
const tokenKey = Resource.UnsubscribeKey.value;

/** Served as is by the local runner; wrapped for API Gateway below. */
export const app = createApp({
  registrations: createDynamoRegistrationStore({ db, registrationsTable: Resource.Registrations.name, stateTable }),
  registrationAttempts: createWindowCounter({ db, stateTable, name: "regattempt", windowSeconds: 60 * 60 }),
  registrationLimitPerHour: Resource.Settings.registrationLimitPerHour,
  confirmations: createConfirmationSender({
    mailer: createSesMailer(new SESClient({}), { configurationSet: Resource.Mailer.configSet }),
    from: fromAddress(Resource.Mailer.sender),
    publicUrl: Resource.Settings.publicUrl,
    tokenKey,
  }),
  tokenKey,
  // Time to answer and log before the function's own timeout cuts the request off.
  deadlineMs: api.timeoutSeconds * 1000 - 1_500,
  broadcasts: createDynamoBroadcastStore({ db, stateTable }),
  fanoutQueue: createSqsQueue(new SQSClient({}), Resource.Fanout.url),
  pinGuard: createPinGuard({ db, stateTable }),
  secretPin: Resource.SecretPin.value,
});

export const handler = handle(app);
