import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { onFirstUse } from "@oemr-reg/core/on-first-use";
import { createDynamoSesEventStore, createSesEventsHandler } from "@oemr-reg/core/ses-events";
import { Resource } from "sst";

const db = createDocumentClient();
// Only a hard bounce may pause a broadcast: the broadcast store and the audit log load with the
// first one (the two modules it needs, not the whole broadcast module with its email rendering).
const bouncePause = onFirstUse(async () => {
  const [{ createAuditLog }, { pauseIfBouncing }, { createDynamoBroadcastStore }] = await Promise.all([
    import("@oemr-reg/core/audit"),
    import("@oemr-reg/core/broadcast/bounce-pause"),
    import("@oemr-reg/core/broadcast/dynamo-store"),
  ]);
  const broadcasts = createDynamoBroadcastStore({ db, stateTable: Resource.State.name });
  const audit = createAuditLog({
    db,
    stateTable: Resource.State.name,
    retentionDays: Resource.Settings.auditRetentionDays,
  });
  return { pauseIfBouncing: (broadcastId: string, now: Date) => pauseIfBouncing(broadcasts, broadcastId, now), audit };
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
    const { pauseIfBouncing, audit } = await bouncePause();
    // Only the call that paused it records the pause.
    if (await pauseIfBouncing(broadcastId, new Date()))
      await audit.record({ actor: system, action: "broadcast.paused", object: broadcastId });
  },
});
