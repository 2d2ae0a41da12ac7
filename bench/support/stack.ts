import { SQSClient } from "@aws-sdk/client-sqs";
import type { ServerType } from "@hono/node-server";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { stack } from "@oemr-reg/core/resources";
import { useEmulators } from "@oemr-reg/local/aws-env";
import { startConsumers } from "@oemr-reg/local/consumers";
import { type Emulators, startEmulators } from "@oemr-reg/local/emulators";
import { freePort } from "@oemr-reg/local/ports";
import { type ProvisionedStack, provisionAndLink } from "@oemr-reg/local/provision";
import { serveApi } from "@oemr-reg/local/serve-api";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

export const BENCH_PIN = "bench-pin-86420975";

export type BenchStackOptions = {
  /** `Settings.sendRate`: emails per second all senders share. */
  sendRate?: number;
  /** Run the queue consumers with the real handlers, as `npm start` does. */
  consumers?: boolean;
  /** Serve the API on a free port. */
  api?: boolean;
  /**
   * Put something between the senders and the SES emulator (a recorder): gets the emulator's
   * endpoint, returns the one the SES client should use. Called before any handler is loaded,
   * because the SDK reads its endpoint when a client is built.
   */
  wrapSes?: (sesEndpoint: string) => Promise<string>;
};

export type BenchStack = {
  endpoints: Emulators["endpoints"];
  provisioned: ProvisionedStack;
  apiUrl: string;
  /** A document client built as the handlers build theirs. */
  db: DynamoDBDocumentClient;
  stop(): Promise<void>;
};

/**
 * A whole local stack for one case, in this process, from the runner's own parts (as `npm start`
 * and the test setup compose them): the emulators of this run (or, for a case run alone, its own
 * in-memory DynamoDB Local, fauxqs and SES emulator on free ports), the stack's tables and queues
 * under a stage of its own, `SST_RESOURCE_*` links with this case's settings, then optionally the
 * consumers and the API. Each case runs in its own process because handlers read `Resource` and
 * SDK clients read their endpoints once per process.
 */
export async function startBenchStack({ sendRate = 14, consumers = false, api = false, wrapSes }: BenchStackOptions = {}): Promise<BenchStack> {
  const emulators = await sharedOrOwnEmulators();
  const polling = new AbortController();
  let stopped: Promise<unknown> | undefined;
  let server: ServerType | undefined;
  const stop = async () => {
    polling.abort();
    await stopped;
    if (server) await new Promise((resolve) => server!.close(resolve));
    await emulators.stop();
  };
  try {
    useEmulators(emulators.endpoints);
    if (wrapSes) process.env.AWS_ENDPOINT_URL_SES = await wrapSes(emulators.endpoints.ses);
    const provisioned = await provisionAndLink(stack, `bench${crypto.randomUUID().slice(0, 8)}`, {
      secrets: { SecretPin: BENCH_PIN, UnsubscribeKey: "bench-unsubscribe-key-0123456789abcdef", UnsubscribeKeyPrevious: "" },
      Mailer: { sender: "OpenEMR Announcements <noreply@bench.example.org>", configSet: "bench" },
      Settings: {
        sendRate,
        publicUrl: "https://reg.bench.example.org",
        registrationLimitPerHour: 1_000_000_000,
        usageLimitPerHour: 1_000_000_000,
        usageLimitPerDay: 1_000_000_000,
        usageRetentionDays: 400,
      },
    });
    if (consumers) ({ stopped } = await startConsumers(stack, provisioned, new SQSClient({}), polling.signal));
    let apiUrl = "";
    if (api) {
      const served = await serveApi(stack, 0);
      server = served.server;
      apiUrl = `http://127.0.0.1:${served.port}`;
    }
    return { endpoints: emulators.endpoints, provisioned, apiUrl, db: createDocumentClient(), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** `BENCH_ENDPOINTS` is set by `bench/run.ts`, which starts one set of emulators for the whole run. */
async function sharedOrOwnEmulators(): Promise<Pick<Emulators, "endpoints" | "stop">> {
  const shared = process.env.BENCH_ENDPOINTS;
  if (shared) return { endpoints: JSON.parse(shared) as Emulators["endpoints"], stop: async () => {} };
  return startEmulators({ ports: await freeEmulatorPorts() });
}

export async function freeEmulatorPorts() {
  return { dynamodb: await freePort(), sqs: await freePort(), ses: await freePort() };
}
