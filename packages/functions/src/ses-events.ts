import { createAuditLog } from "@oemr-reg/core/audit";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
// The two modules it needs, not the whole broadcast module with its email rendering.
import { pauseIfBouncing } from "@oemr-reg/core/broadcast/bounce-pause";
import { createDynamoBroadcastStore } from "@oemr-reg/core/broadcast/dynamo-store";
import { createDynamoSesEventStore, createSesEventsHandler } from "@oemr-reg/core/ses-events";
import { Resource } from "sst";

const db = createDocumentClient();
const broadcasts = createDynamoBroadcastStore({ db, stateTable: Resource.State.name });
const audit = createAuditLog({
  db,
  stateTable: Resource.State.name,
  retentionDays: Resource.Settings.auditRetentionDays,
});
const system = { kind: "system" } as const;

// Subscribed to the SesEvents topic: SES bounces, complaints, deliveries, rejects and delays. A
// broadcast whose emails bounce too much pauses itself.
export const handler = createSesEventsHandler({
  store: createDynamoSesEventStore({
    db,
    registrationsTable: Resource.Registrations.name,
    stateTable: Resource.State.name,
    historyDays: Resource.Settings.historyRetentionDays,
  }),
  onHardBounce: async (broadcastId) => {
    // Only the call that paused it records the pause.
    if (await pauseIfBouncing(broadcasts, broadcastId, new Date()))
      await audit.record({ actor: system, action: "broadcast.paused", object: broadcastId });
  },
});
