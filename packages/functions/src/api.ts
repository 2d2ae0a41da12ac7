import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { createApp } from "@oemr-reg/core/http";
import { createDynamoRegistrationStore } from "@oemr-reg/core/registration";
import { handle } from "hono/aws-lambda";
import { Resource } from "sst";

const db = createDocumentClient();

/** Served as is by the local runner; wrapped for API Gateway below. */
export const app = createApp({
  registrations: createDynamoRegistrationStore({
    db,
    registrationsTable: Resource.Registrations.name,
    stateTable: Resource.State.name,
  }),
});

export const handler = handle(app);
