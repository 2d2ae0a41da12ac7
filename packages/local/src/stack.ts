import type { AddressInfo } from "node:net";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { serve, type ServerType } from "@hono/node-server";
import { appName, type StackSpec } from "@oemr-reg/core/resources";
import type { Hono } from "hono";
import { useEmulators } from "./aws-env.ts";
import { type EmulatorPorts, startEmulators } from "./emulators.ts";
import { runEventSource } from "./event-source.ts";
import { loadHandler, loadHandlerModule } from "./handlers.ts";
import { invokeSnsHandler, invokeSqsHandler, type SnsHandler, type SqsHandler } from "./invoke.ts";
import { linkEnvironment, provisionStack } from "./provision.ts";

export type LocalStackOptions = {
  spec: StackSpec;
  stage: string;
  port: number;
  ports: EmulatorPorts;
  /** Where DynamoDB keeps its tables; in memory when unset. */
  dataDir?: string;
};

export type LocalStack = {
  apiUrl: string;
  mailUrl: string;
  stop(): Promise<void>;
};

/**
 * The deployed stack on one machine: emulators, the stack's resources, the API on `port`, and
 * every queue and topic subscriber fed by an event source, all running the real handlers.
 */
export async function startLocalStack({ spec, stage, port, ports, dataDir }: LocalStackOptions): Promise<LocalStack> {
  const emulators = await startEmulators({ ports, dataDir });
  const consumers: Promise<void>[] = [];
  const polling = new AbortController();
  let server: ServerType | undefined;
  const stop = async () => {
    polling.abort();
    await Promise.allSettled(consumers);
    if (server) await new Promise((resolve) => server!.close(resolve));
    await emulators.stop();
  };

  try {
    useEmulators(emulators.endpoints);
    const clients = { dynamodb: new DynamoDBClient({}), sqs: new SQSClient({}), sns: new SNSClient({}) };
    const provisioned = await provisionStack(spec, `${appName}-${stage}`, clients);
    // Handlers read these through `Resource` on first use, so they must be set before any import.
    Object.assign(process.env, linkEnvironment({ name: appName, stage }, provisioned));

    for (const [name, queue] of Object.entries(spec.queues)) {
      if (!queue.consumer) continue;
      const { url, arn } = provisioned.queues[name]!;
      const handler = await loadHandler<SqsHandler>(queue.consumer.handler);
      const invoke = invokeSqsHandler({ handler, functionName: name, timeoutSeconds: queue.consumer.timeoutSeconds, queueArn: arn });
      consumers.push(
        runEventSource({
          sqs: clients.sqs,
          queueUrl: url,
          batchSize: queue.consumer.batchSize,
          concurrency: queue.consumer.maxConcurrency,
          invoke,
          signal: polling.signal,
        }),
      );
    }
    for (const delivery of provisioned.deliveries) {
      const handler = await loadHandler<SnsHandler>(delivery.handler);
      const invoke = invokeSnsHandler({ handler, functionName: delivery.name, timeoutSeconds: delivery.timeoutSeconds, subscriptionArn: delivery.subscriptionArn });
      consumers.push(
        runEventSource({ sqs: clients.sqs, queueUrl: delivery.queue.url, batchSize: 1, concurrency: 2, invoke, signal: polling.signal }),
      );
    }

    const { module } = await loadHandlerModule(spec.api.handler);
    const app = module.app as Hono;
    server = await listen(app, port);
    const { port: apiPort } = server.address() as AddressInfo;
    return { apiUrl: `http://localhost:${apiPort}`, mailUrl: `http://localhost:${ports.ses}`, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function listen(app: Hono, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, () => resolve(server));
    server.once("error", reject);
  });
}
