import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { ServerType } from "@hono/node-server";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { createSqsQueue } from "@oemr-reg/core/aws/sqs";
import { createDynamoBroadcastStore, fromAddress, resumeUnfinishedBroadcasts } from "@oemr-reg/core/broadcast";
import { logger } from "@oemr-reg/core/log";
import type { StackSpec } from "@oemr-reg/core/resources";
import { useEmulators } from "./aws-env.ts";
import { type EmulatorPorts, startEmulators } from "./emulators.ts";
import { startConsumers } from "./consumers.ts";
import { startCrons } from "./crons.ts";
import { type LinkValues, provisionAndLink } from "./provision.ts";
import { serveApi } from "./serve-api.ts";
import { startSesSimulator } from "./ses-simulator.ts";

export type LocalStackOptions = {
  spec: StackSpec;
  stage: string;
  port: number;
  ports: EmulatorPorts;
  /** Where DynamoDB keeps its tables; in memory when unset. */
  dataDir?: string;
  links: LinkValues;
};

export type LocalStack = {
  apiUrl: string;
  mailUrl: string;
  stop(): Promise<void>;
};

/**
 * The deployed stack on one machine: emulators, the stack's resources, the API on `port`, every
 * queue and topic subscriber fed by an event source, all running the real handlers, and SES's
 * event publishing (deliveries, and the mailbox simulator's bounces and complaints) to `SesEvents`.
 */
export async function startLocalStack({ spec, stage, port, ports, dataDir, links }: LocalStackOptions): Promise<LocalStack> {
  const emulators = await startEmulators({ ports, dataDir });
  const polling = new AbortController();
  let consumers: Promise<unknown> | undefined;
  let simulator: Promise<void> | undefined;
  let server: ServerType | undefined;
  const stop = async () => {
    polling.abort();
    await consumers?.catch((error: unknown) => logger.error("consumer stopped", { error: String(error) }));
    await simulator;
    if (server) await new Promise((resolve) => server!.close(resolve));
    await emulators.stop();
  };

  try {
    useEmulators(emulators.endpoints);
    const provisioned = await provisionAndLink(spec, stage, links);
    const clients = { sqs: new SQSClient({}), sns: new SNSClient({}) };
    ({ stopped: consumers } = await startConsumers(spec, provisioned, clients.sqs, polling.signal));
    await startCrons(spec, polling.signal);
    const topicArn = provisioned.topics.SesEvents;
    if (topicArn) {
      ({ stopped: simulator } = startSesSimulator({
        sesEndpoint: emulators.endpoints.ses,
        sns: clients.sns,
        topicArn,
        configurationSet: links.Mailer.configSet,
        sender: fromAddress(links.Mailer.sender),
        signal: polling.signal,
      }));
    }

    const resumed = await resumeUnfinishedBroadcasts(
      createDynamoBroadcastStore({ db: createDocumentClient(), stateTable: provisioned.tables.State! }),
      createSqsQueue(clients.sqs, provisioned.queues.Fanout!.url),
    );
    if (resumed.length > 0) logger.info("resuming unfinished broadcasts", { broadcastIds: resumed });

    const served = await serveApi(spec, port);
    server = served.server;
    return { apiUrl: `http://localhost:${served.port}`, mailUrl: `http://localhost:${ports.ses}`, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
