import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { createDynamoSesEventStore, createSesEventsHandler } from "@oemr-reg/core/ses-events";
import { Resource } from "sst";

// Subscribed to the SesEvents topic: SES bounces, complaints, deliveries, rejects and delays.
export const handler = createSesEventsHandler({
  store: createDynamoSesEventStore({
    db: createDocumentClient(),
    registrationsTable: Resource.Registrations.name,
    stateTable: Resource.State.name,
  }),
});
