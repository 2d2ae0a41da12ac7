import { SQSClient } from "@aws-sdk/client-sqs";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { createSqsQueue } from "@oemr-reg/core/aws/sqs";
import { createDynamoBroadcastStore, requeueStalledBroadcasts } from "@oemr-reg/core/broadcast";
import { logger } from "@oemr-reg/core/log";
import { Resource } from "sst";

const broadcasts = createDynamoBroadcastStore({ db: createDocumentClient(), stateTable: Resource.State.name });
const fanoutQueue = createSqsQueue(new SQSClient({}), Resource.Fanout.url);

/** Every 5 minutes (resources.ts `crons`): fans out again any broadcast whose fan-out was lost. */
export async function handler(): Promise<void> {
  const requeued = await requeueStalledBroadcasts(broadcasts, fanoutQueue, new Date());
  if (requeued.length > 0) logger.warn("fan-out queued again for broadcasts left queued", { broadcastIds: requeued });
}
