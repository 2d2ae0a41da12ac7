import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { logger } from "@oemr-reg/core/log";
import { sweepExpired, type TtlSweep } from "@oemr-reg/core/privacy";
import type { StackSpec } from "@oemr-reg/core/resources";
import type { ProvisionedStack } from "./provision.ts";

/** How often `npm start` deletes expired items: DynamoDB does it within days; a minute shows it at work. */
export const TTL_SWEEP_MS = 60_000;

/** The sweep of every table of the stack that has a TTL attribute (resources.ts `ttl`). */
export function ttlSweeps(spec: StackSpec, provisioned: ProvisionedStack): TtlSweep[] {
  return Object.entries(spec.tables).flatMap(([name, { hashKey, rangeKey, ttl }]) =>
    ttl
      ? [{ table: provisioned.tables[name]!, keys: rangeKey ? [hashKey, rangeKey] : [hashKey], ttlAttribute: ttl }]
      : [],
  );
}

/**
 * Sweeps the stack's expired items every `everyMs` until `signal` aborts, as DynamoDB's TTL would
 * on AWS: DynamoDB Local never deletes an expired item. A sweep still running is not doubled.
 */
export function startTtlSweeps(
  spec: StackSpec,
  provisioned: ProvisionedStack,
  signal: AbortSignal,
  everyMs = TTL_SWEEP_MS,
): void {
  const db = createDocumentClient();
  const sweeps = ttlSweeps(spec, provisioned);
  let running: Promise<void> | undefined;
  const sweep = async () => {
    for (const each of sweeps) {
      const deleted = await sweepExpired(db, each, new Date());
      if (deleted > 0) logger.info("expired items deleted", { table: each.table, deleted });
    }
  };
  const timer = setInterval(() => {
    running ??= sweep()
      .catch((error: unknown) => logger.error("TTL sweep failed", { error: String(error) }))
      .finally(() => (running = undefined));
  }, everyMs);
  signal.addEventListener("abort", () => clearInterval(timer), { once: true });
}
