/**
 * The shapes of resources.ts's entries: what the local runner and infra/ need to know of each table,
 * function, queue, topic, secret and cron.
 * @module
 */

export type TableSpec = {
  hashKey: string;
  rangeKey?: string;
  /** Attribute holding an epoch-seconds expiry, when items expire. */
  ttl?: string;
};

/** A Lambda function as the local runner needs to know it; infra adds memory, links and the rest. */
export type FunctionSpec = {
  /** `{path}/{file}.{export}` from the project root, exactly as `sst.aws.Function` takes it. */
  handler: string;
  timeoutSeconds: number;
  /** The names, in this list, of what the deployed function may reach: infra links exactly these. */
  link?: readonly string[];
  /**
   * The AWS actions the function calls on each linked table, queue or mailer, and no others: a
   * link gives only names, and infra grants exactly these on that resource (least privilege).
   */
  permissions?: Readonly<Record<string, readonly AwsAction[]>>;
};

/** The actions the code calls; a transaction needs the action of each of its items. */
export type AwsAction =
  | `dynamodb:${"GetItem" | "PutItem" | "UpdateItem" | "DeleteItem" | "ConditionCheckItem" | "Query" | "Scan"}`
  | "dynamodb:BatchGetItem"
  | `sqs:${"SendMessage" | "ChangeMessageVisibility"}`
  | "ses:SendRawEmail";

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

export type SecretSpec = {
  /** The variable `npm start` reads it from. */
  env: string;
  /**
   * What `npm start` makes when the variable is unset: a PIN to type, a signing key, an OpenPGP
   * private key (armored, Ed25519), or nothing (an optional secret: empty unless set, and
   * deployed with an empty placeholder).
   */
  generate: "pin" | "key" | "pgp-key" | "none";
  /** Refused shorter, by `npm start`, by `sst deploy` and by the functions that read it. */
  minLength?: number;
};

/** A function EventBridge runs on a schedule (`sst.aws.Cron`); the local runner runs it as often. */
export type CronSpec = {
  schedule: `rate(${number} ${"minute" | "minutes" | "hour" | "hours" | "day" | "days"})`;
  function: FunctionSpec;
};

export type StackSpec = {
  /** The function that serves the HTTP API; its module also exports the Hono `app` it wraps. */
  api: FunctionSpec;
  tables: Record<string, TableSpec>;
  queues: Record<string, QueueSpec>;
  topics: Record<string, TopicSpec>;
  secrets: Record<string, SecretSpec>;
  links: Record<string, readonly string[]>;
  crons: Record<string, CronSpec>;
};
