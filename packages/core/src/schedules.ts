/**
 * The functions EventBridge runs on a schedule (`sst.aws.Cron`), part of resources.ts's stack: infra
 * creates them and the local runner runs them as often.
 * @module
 */

import type { CronSpec } from "./resource-specs.ts";

export const crons = {
  /** Queues again the fan-out of a broadcast still `queued` after 5 minutes: its message was lost. */
  Requeue: {
    schedule: "rate(5 minutes)",
    function: {
      handler: "packages/functions/src/requeue.handler",
      timeoutSeconds: 60,
      link: ["State", "Fanout"],
      permissions: { State: ["dynamodb:Query"], Fanout: ["sqs:SendMessage"] },
    },
  },
  /** Starts approved drafts whose `sendAt` has come: within a minute, never before, once (drafts/flow.ts). */
  Embargo: {
    schedule: "rate(1 minute)",
    function: {
      handler: "packages/functions/src/embargo.handler",
      timeoutSeconds: 60,
      // Registrations: the audience's reach at start (a scan); Settings: the approval rules.
      link: ["Registrations", "State", "Fanout", "Settings"],
      permissions: {
        Registrations: ["dynamodb:Scan"],
        State: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"],
        Fanout: ["sqs:SendMessage"],
      },
    },
  },
  /** The console overview's tallies of the whole list (versions, distributions, usage), counted afresh. */
  Tallies: {
    schedule: "rate(15 minutes)",
    function: {
      handler: "packages/functions/src/tallies.handler",
      timeoutSeconds: 300,
      link: ["Registrations", "State"],
      permissions: { Registrations: ["dynamodb:Scan"], State: ["dynamodb:Query", "dynamodb:PutItem"] },
    },
  },
  /** Cuts source IPs kept whole for `sourceIpWholeDays` to their /24 or /48 (privacy/source-ip-sweep.ts). */
  SourceIps: {
    schedule: "rate(1 day)",
    function: {
      handler: "packages/functions/src/source-ips.handler",
      timeoutSeconds: 300,
      link: ["Registrations", "State", "Settings"],
      permissions: {
        Registrations: ["dynamodb:Scan", "dynamodb:GetItem", "dynamodb:UpdateItem"],
        State: ["dynamodb:Query", "dynamodb:UpdateItem"],
      },
    },
  },
} as const satisfies Record<string, CronSpec>;
