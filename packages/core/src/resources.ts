/**
 * Every AWS resource the service uses, keyed by the name handlers read through `Resource.<Name>`.
 * infra/ creates them with SST and the local runner creates their emulated twins, both from this
 * list, so a resource cannot exist in one place and be missing in the other.
 * @module
 */

import type { FunctionSpec, QueueSpec, SecretSpec, StackSpec, TableSpec, TopicSpec } from "./resource-specs.ts";
import { crons } from "./schedules.ts";

export type * from "./resource-specs.ts";

export const appName = "oemr-reg";

export const tables = {
  /** One item per address, keyed by its normalized form; scanned whole by a broadcast fan-out. */
  Registrations: { hashKey: "email" },
  /** Everything that is not a registration: counters, broadcasts, deliveries, rate limits. */
  State: { hashKey: "pk", rangeKey: "sk", ttl: "expiresAt" },
} as const satisfies Record<string, TableSpec>;

export type TableName = keyof typeof tables;

/**
 * The Lambda runtime of every function. `npm start`, the tests and the bench run on the same major
 * version: the project's own Node (the `node` devDependency), whatever the machine has.
 */
export const lambdaRuntime = { name: "nodejs24.x", nodeMajor: 24 } as const;

/**
 * How SST bundles every function (`sst.aws.Function`'s `nodejs`), and so how the benchmarks bundle
 * them. SST 4.17 minifies only when `minify` is set (its Go side reads a missing flag as false,
 * whatever the docs say). `splitting` turns each `import()` into chunks of its own, loaded on first
 * use: the API imports the SES, SQS and HTML code only for the rare requests that need it.
 * `plugins` is a file of esbuild plugins, from the project root.
 */
export const nodejsBundling = {
  minify: true,
  splitting: true,
  plugins: "packages/functions/bundle-plugins.mjs",
} as const;

export const queues = {
  FanoutDlq: { visibilityTimeoutSeconds: 30 },
  /** One message per broadcast page: which registrations to enqueue next. */
  Fanout: {
    visibilityTimeoutSeconds: 6 * 60,
    dlq: { queue: "FanoutDlq", retry: 3 },
    consumer: {
      handler: "packages/functions/src/fanout.handler",
      timeoutSeconds: 60,
      batchSize: 1,
      maxConcurrency: 2,
      // Fanout to enqueue the broadcast's next page itself; Settings: the delivery records' lifetime.
      link: ["Registrations", "State", "Send", "Fanout", "Settings"],
      permissions: {
        Registrations: ["dynamodb:Scan"],
        State: [
          "dynamodb:GetItem",
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
          "dynamodb:Query",
          "dynamodb:BatchGetItem",
        ],
        Send: ["sqs:SendMessage"],
        Fanout: ["sqs:SendMessage"],
      },
    },
  },
  SendDlq: { visibilityTimeoutSeconds: 30 },
  /** One message per recipient of a broadcast. */
  Send: {
    visibilityTimeoutSeconds: 3 * 60,
    // Throttled sends come back through this queue with backoff, so they get many receives.
    dlq: { queue: "SendDlq", retry: 10 },
    consumer: {
      handler: "packages/functions/src/send.handler",
      timeoutSeconds: 30,
      batchSize: 10,
      // The shared pacer holds SES_SEND_RATE whatever runs, so this only has to cover a batch's
      // latency (claim, sends, settle): 2 reached about 110 of 250 emails/s in `npm run bench`,
      // 4 about 128, 6 no more.
      maxConcurrency: 4,
      // Send, to put a throttled message back with backoff.
      link: ["Registrations", "State", "Send", "Mailer", "UnsubscribeKey", "SigningKey", "Settings"],
      permissions: {
        Registrations: ["dynamodb:BatchGetItem"],
        State: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"],
        Send: ["sqs:ChangeMessageVisibility"],
        Mailer: ["ses:SendRawEmail"],
      },
    },
  },
} as const satisfies Record<string, QueueSpec>;

export const topics = {
  /** SES bounce, complaint, delivery and reject notifications. */
  SesEvents: {
    subscribers: {
      SesEventsHandler: {
        handler: "packages/functions/src/ses-events.handler",
        timeoutSeconds: 30,
        retries: 2,
        // Settings: how long the audit record of a pause, and an SES event in its address's history, are kept.
        link: ["Registrations", "State", "Settings"],
        permissions: {
          Registrations: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
          State: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"],
        },
      },
    },
  },
} as const satisfies Record<string, TopicSpec>;

// The scheduled functions are in schedules.ts, which this file re-exports.
export { crons };

/**
 * Secrets, set with `sst secret set <Name>` when deployed. The local runner reads `env`, or
 * generates a value once and keeps it under DATA_DIR.
 */
export const secrets = {
  // Long enough that the lockouts leave a guesser no chance (docs/operations.md, the PIN).
  SecretPin: { env: "SECRET_PIN", generate: "pin", minLength: 16 },
  UnsubscribeKey: { env: "UNSUBSCRIBE_KEY", generate: "key" },
  /** The key before the last rotation: links signed with it keep working while it is set. */
  UnsubscribeKeyPrevious: { env: "UNSUBSCRIBE_KEY_PREVIOUS", generate: "none" },
  /** The armored OpenPGP private key (Ed25519) that signs every email and the archive's pages. */
  SigningKey: { env: "SIGNING_KEY", generate: "pgp-key" },
  /** Armored public keys that signed before a rotation: still published, as retired. */
  SigningKeysRetired: { env: "SIGNING_KEYS_RETIRED", generate: "none" },
} as const satisfies Record<string, SecretSpec>;

/**
 * Non-secret links. `Mailer` is an `sst.aws.Email` (`sender`, `configSet`); `Settings` is an
 * `sst.Linkable` of per-stage values. The local runner fills both from environment variables.
 */
export const links = {
  Mailer: ["sender", "configSet"],
  Settings: [
    "sendRate",
    "publicUrl",
    "registrationLimitPerHour",
    "usageLimitPerHour",
    "usageLimitPerDay",
    "usageRetentionDays",
    "auditRetentionDays",
    "pinRoutes",
    // Lifetimes of personal data (state/expiry.ts, docs/privacy.md).
    "deliveryRetentionDays",
    "historyRetentionDays",
    "sourceIpWholeDays",
    // The two-person rule (drafts/): approvals needed from others than the requester, and hours one counts.
    "approvalsRequired",
    "approvalHours",
  ],
} as const satisfies Record<string, readonly string[]>;

export const api = {
  handler: "packages/functions/src/api.handler",
  timeoutSeconds: 10,
  // Settings and both unsubscribe keys: the API also serves unsubscribe and confirmation pages and
  // rate-limits registrations; Mailer: it sends the confirmation email of a re-registration, signed
  // with SigningKey; it publishes the current and retired public keys.
  link: [
    "Registrations",
    "State",
    "Fanout",
    "Mailer",
    "SecretPin",
    "UnsubscribeKey",
    "UnsubscribeKeyPrevious",
    "SigningKey",
    "SigningKeysRetired",
    "Settings",
  ],
  permissions: {
    // DeleteItem and ConditionCheckItem: the erase, and a registration's check of the suppression list.
    Registrations: [
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      "dynamodb:ConditionCheckItem",
      "dynamodb:Scan",
    ],
    State: [
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      "dynamodb:ConditionCheckItem",
      "dynamodb:Query",
      "dynamodb:BatchGetItem",
    ],
    Fanout: ["sqs:SendMessage"],
    Mailer: ["ses:SendRawEmail"],
  },
} as const satisfies FunctionSpec;

/**
 * The CloudWatch metrics the functions count (metrics.ts), in this namespace, with the `service`
 * and `function` dimensions; infra alarms on them.
 */
export const metrics = {
  namespace: "oemr-reg",
  /** Wrong PINs from all IPs together locked every PIN route. */
  pinLockouts: "PinLockouts",
} as const;

/** Why a secret's value is refused, or `undefined` when it is long enough. */
export function secretTooShort(name: string, { minLength = 0 }: SecretSpec, value: string): string | undefined {
  return value.length >= minLength
    ? undefined
    : `${name} has ${value.length} characters; it needs at least ${minLength}`;
}

export const stack = { api, tables, queues, topics, secrets, links, crons } as const satisfies StackSpec;
