import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { ServerType } from "@hono/node-server";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { createSqsQueue } from "@oemr-reg/core/aws/sqs";
import { createDynamoBroadcastStore, fromAddress, resumeUnfinishedBroadcasts } from "@oemr-reg/core/broadcast";
import { logger } from "@oemr-reg/core/log";
import type { StackSpec } from "@oemr-reg/core/resources";
import { type EmulatorEndpoints, useEmulators } from "./aws-env.ts";
import { startConsumers } from "./consumers.ts";
import { startCrons } from "./crons.ts";
import { type EmulatorPorts, startEmulators } from "./emulators.ts";
import { type LinkValues, type ProvisionedStack, provisionAndLink } from "./provision.ts";
import { serveApi } from "./serve-api.ts";
import { startSesSimulator } from "./ses-simulator.ts";
import { startTtlSweeps } from "./ttl-sweep.ts";

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
export async function startLocalStack({
  spec,
  stage,
  port,
  ports,
  dataDir,
  links,
}: LocalStackOptions): Promise<LocalStack> {
  const emulators = await startEmulators({ ports, dataDir });
  try {
    const running = await runStack({
      spec,
      stage,
      links,
      endpoints: emulators.endpoints,
      consumers: true,
      crons: true,
      sesEvents: true,
      resume: true,
      apiPort: port,
    });
    const stop = async () => {
      await running.stop();
      await emulators.stop();
    };
    return { apiUrl: `http://localhost:${running.apiPort}`, mailUrl: `http://localhost:${ports.ses}`, stop };
  } catch (error) {
    await emulators.stop();
    throw error;
  }
}

export type StackParts = {
  spec: StackSpec;
  stage: string;
  links: LinkValues;
  /** Where this process's AWS clients, and so the handlers, send their requests. */
  endpoints: EmulatorEndpoints;
  /** Feed every queue consumer and topic subscriber from its queue. */
  consumers?: boolean;
  /** Run the scheduled functions on their schedules, and sweep expired items as DynamoDB's TTL does. */
  crons?: boolean;
  /** Publish to `SesEvents` what SES would about the mail the emulator at `endpoints.ses` holds. */
  sesEvents?: boolean;
  /** Hand the broadcasts a stop left unfinished back to the fan-out. */
  resume?: boolean;
  /** Serve the API on this port of loopback (0 for a free one). */
  apiPort?: number;
};

export type RunningStack = {
  provisioned: ProvisionedStack;
  /** The port the API listens on, when it is served. */
  apiPort?: number;
  stop(): Promise<void>;
};

/**
 * A stage of the stack in emulators already running, linked into this process as `sst dev` would,
 * with the parts asked for running the real handlers. Each part is `npm start`'s; the test
 * harness (`harness.ts`) runs some of them.
 */
export async function runStack({
  spec,
  stage,
  links,
  endpoints,
  consumers,
  crons,
  sesEvents,
  resume,
  apiPort,
}: StackParts): Promise<RunningStack> {
  const polling = new AbortController();
  let consuming: Promise<unknown> | undefined;
  let simulator: Promise<void> | undefined;
  let server: ServerType | undefined;
  const stop = async () => {
    polling.abort();
    await consuming?.catch((error: unknown) => logger.error("consumer stopped", { error: String(error) }));
    await simulator;
    if (server) await new Promise((resolve) => server!.close(resolve));
  };

  try {
    useEmulators(endpoints);
    const provisioned = await provisionAndLink(spec, stage, links);
    const clients = { sqs: new SQSClient({}), sns: new SNSClient({}) };
    if (consumers) ({ stopped: consuming } = await startConsumers(spec, provisioned, clients.sqs, polling.signal));
    if (crons) {
      await startCrons(spec, polling.signal);
      // What AWS runs on its own schedule: the deletion of expired items.
      startTtlSweeps(spec, provisioned, polling.signal);
    }
    const topicArn = provisioned.topics.SesEvents;
    if (sesEvents && topicArn) {
      ({ stopped: simulator } = startSesSimulator({
        sesEndpoint: endpoints.ses,
        sns: clients.sns,
        topicArn,
        configurationSet: links.Mailer.configSet,
        sender: fromAddress(links.Mailer.sender),
        signal: polling.signal,
      }));
    }

    if (resume) {
      const resumed = await resumeUnfinishedBroadcasts(
        createDynamoBroadcastStore({ db: createDocumentClient(), stateTable: provisioned.tables.State! }),
        createSqsQueue(clients.sqs, provisioned.queues.Fanout!.url),
      );
      if (resumed.length > 0) logger.info("resuming unfinished broadcasts", { broadcastIds: resumed });
    }

    let served: number | undefined;
    if (apiPort !== undefined) ({ server, port: served } = await serveApi(spec, apiPort));
    return { provisioned, apiPort: served, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
