import { SQSClient } from "@aws-sdk/client-sqs";
import { createAuditLog } from "@oemr-reg/core/audit";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { createSqsQueue } from "@oemr-reg/core/aws/sqs";
import { createDynamoBroadcastStore } from "@oemr-reg/core/broadcast";
import type { FanoutTask } from "@oemr-reg/core/broadcast/tasks";
import { createDraftFlow } from "@oemr-reg/core/drafts/flow";
import { createDraftStore } from "@oemr-reg/core/drafts/store";
import { logger } from "@oemr-reg/core/log";
import { createDynamoRegistrationStore } from "@oemr-reg/core/registration/dynamo-store";
import { Resource } from "sst";

const db = createDocumentClient();
const stateTable = Resource.State.name;
const flow = createDraftFlow({
  drafts: createDraftStore({ db, stateTable }),
  registrations: createDynamoRegistrationStore({ db, registrationsTable: Resource.Registrations.name, stateTable }),
  broadcasts: createDynamoBroadcastStore({ db, stateTable }),
  fanoutQueue: createSqsQueue<FanoutTask>(new SQSClient({}), Resource.Fanout.url),
  audit: createAuditLog({ db, stateTable, retentionDays: Resource.Settings.auditRetentionDays }),
  rules: { required: Resource.Settings.approvalsRequired, hours: Resource.Settings.approvalHours },
  now: () => new Date(),
});

/** Every minute (resources.ts `crons`): starts the approved drafts whose embargo time has come. */
export async function handler(): Promise<void> {
  const started = await flow.startDue();
  if (started.length > 0) logger.info("embargoed drafts started", { draftIds: started });
}
