/**
 * Every AWS resource the service uses, keyed by the name handlers read through `Resource.<Name>`.
 * infra/ creates them with SST and the local runner creates their emulated twins, both from this
 * list, so a resource cannot exist in one place and be missing in the other.
 * @module
 */

export const appName = "oemr-reg";

export type TableSpec = {
  hashKey: string;
  rangeKey?: string;
  /** Attribute holding an epoch-seconds expiry, when items expire. */
  ttl?: string;
};

export const tables = {
  /** One item per address, keyed by its normalized form; scanned whole by a broadcast fan-out. */
  Registrations: { hashKey: "email" },
  /** Everything that is not a registration: counters, broadcasts, deliveries, rate limits. */
  State: { hashKey: "pk", rangeKey: "sk", ttl: "expiresAt" },
} as const satisfies Record<string, TableSpec>;

export type TableName = keyof typeof tables;

/** A Lambda function as the local runner needs to know it; infra adds memory, links and the rest. */
export type FunctionSpec = {
  /** `{path}/{file}.{export}` from the project root, exactly as `sst.aws.Function` takes it. */
  handler: string;
  timeoutSeconds: number;
};

export type QueueSpec = {
  visibilityTimeoutSeconds: number;
  /** Where a message goes after `retry` failed receives: another queue of this list. */
  dlq?: { queue: string; retry: number };
  consumer?: FunctionSpec & { batchSize: number; maxConcurrency: number };
};

export type TopicSpec = {
  /** Lambda subscribers; SNS invokes them asynchronously, so failures are retried `retries` times. */
  subscribers: Record<string, FunctionSpec & { retries: number }>;
};

export type StackSpec = {
  /** The function that serves the HTTP API; its module also exports the Hono `app` it wraps. */
  api: FunctionSpec;
  tables: Record<string, TableSpec>;
  queues: Record<string, QueueSpec>;
  topics: Record<string, TopicSpec>;
};

export const queues = {} as const satisfies Record<string, QueueSpec>;

export const topics = {} as const satisfies Record<string, TopicSpec>;

export const api = { handler: "packages/functions/src/api.handler", timeoutSeconds: 10 } as const satisfies FunctionSpec;

export const stack = { api, tables, queues, topics } as const satisfies StackSpec;
