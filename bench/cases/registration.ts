/**
 * Case 1: registrations per second through the API (autocannon, 64 connections for 20 s, a new
 * address each request) against the same transaction sent raw to the same DynamoDB Local by a Node
 * client, 64 in flight, in the same run; then whether `count` equals the registrations stored.
 * @module
 */

import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { transactWrite } from "@oemr-reg/core/aws/dynamo";
import { counterUpdate, createDynamoRegistrationStore } from "@oemr-reg/core/registration";
import autocannon from "autocannon";
import { figure, progress, reportFigures, scale } from "../support/figures.ts";
import { registrationItem } from "../support/seed.ts";
import { startBenchStack } from "../support/stack.ts";
import { inParallel, percentile, round } from "../support/stats.ts";

const CASE = "registration";
const IN_FLIGHT = 64;
const total = scale(5_000);
const seconds = scale(20);
const warmup = scale(1_000);

const bench = await startBenchStack({ api: true });
try {
  const registrationsTable = bench.provisioned.tables.Registrations!;
  const stateTable = bench.provisioned.tables.State!;
  const registrations = createDynamoRegistrationStore({ db: bench.db, registrationsTable, stateTable });

  async function storedRegistrations(): Promise<number> {
    let stored = 0;
    let cursor: Record<string, unknown> | undefined;
    do {
      const page = await bench.db.send(
        new ScanCommand({
          TableName: registrationsTable,
          Select: "COUNT",
          ExclusiveStartKey: cursor,
          ConsistentRead: true,
        }),
      );
      stored += page.Count ?? 0;
      cursor = page.LastEvaluatedKey;
    } while (cursor);
    return stored;
  }
  /**
   * The handler's transaction (dynamo-store.ts `add`): the conditional put and its counter shard's ADD, retried on
   * conflict as it is.
   */
  async function rawRegistration(address: string): Promise<void> {
    const refused = await transactWrite(
      bench.db,
      [
        {
          Put: {
            TableName: registrationsTable,
            Item: registrationItem(address),
            ConditionExpression: "attribute_not_exists(email)",
          },
        },
        counterUpdate(stateTable, address, { count: 1, active: 1 }),
        // The baseline of what DynamoDB Local sustains: retried until it commits, however often it meets another.
      ],
      1_000,
    );
    if (refused) throw new Error(`registration refused: ${refused.join(", ")}`);
  }

  async function raw(prefix: string, count: number, inFlight = IN_FLIGHT) {
    const latencies: number[] = [];
    let failed = 0;
    const started = performance.now();
    await inParallel(count, inFlight, async (i) => {
      const t0 = performance.now();
      try {
        await rawRegistration(`${prefix}${i}@raw.bench.example.org`);
        latencies.push(performance.now() - t0);
      } catch {
        failed++;
      }
    });
    const seconds = (performance.now() - started) / 1000;
    return {
      rate: latencies.length / seconds,
      failed,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
    };
  }

  async function api(prefix: string, size: { amount: number } | { duration: number }) {
    let sequence = 0;
    const result = await autocannon({
      url: bench.apiUrl,
      connections: IN_FLIGHT,
      ...size,
      timeout: 30,
      requests: [
        {
          method: "POST",
          path: "/api/registration",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          setupRequest: (request) => ({
            ...request,
            body:
              `email=${encodeURIComponent(`${prefix}${sequence++}@api.bench.example.org`)}` +
              "&version=7.0.3&distribution=docker",
          }),
        },
      ],
    });
    const created = result["2xx"];
    return {
      created,
      failed: result.non2xx + result.errors + result.timeouts,
      serverErrors: result["5xx"] + result.errors + result.timeouts,
      rate: created / result.duration,
      p50: result.latency.p50,
      p99: result.latency.p99,
    };
  }

  // The first few hundred calls are slow while the JVM and Node's JIT warm up; a cold JVM at 64
  // in flight answers some calls after the client's 3 s timeout, so the warm-up starts gently.
  progress(`warm-up: ${warmup} raw transactions, ${warmup} API registrations`);
  await raw("warm-gentle", warmup, 8);
  await raw("warm", warmup);
  await api("warm", { amount: warmup });

  progress(`raw TransactWriteItems: ${total} at ${IN_FLIGHT} in flight`);
  const direct = await raw("raw", total);
  progress(`API: new addresses for ${seconds} s at ${IN_FLIGHT} connections`);
  const served = await api("api", { duration: seconds });
  if (served.failed > 0) progress(`API: ${served.failed} requests failed`);
  // Requests autocannon left in flight at the end may still be stored: wait until the count holds still.
  let counted = await registrations.counts();
  for (let before = -1; counted.count !== before; ) {
    before = counted.count;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    counted = await registrations.counts();
  }
  const stored = await storedRegistrations();

  reportFigures([
    figure(CASE, "API registrations/s (autocannon, 64 connections)", round(served.rate, 1), "req/s"),
    figure(CASE, "raw TransactWriteItems/s (64 in flight)", round(direct.rate, 1), "tx/s"),
    figure(CASE, "API / raw throughput", round(served.rate / direct.rate, 3), "ratio", { op: ">=", value: 0.8 }),
    figure(CASE, "API p50 latency", round(served.p50, 1), "ms"),
    figure(CASE, "API p99 latency", round(served.p99, 1), "ms"),
    figure(CASE, "raw p50 latency", round(direct.p50, 1), "ms"),
    figure(CASE, "raw p99 latency", round(direct.p99, 1), "ms"),
    figure(CASE, "API requests not 201", served.failed, "count", { op: "==", value: 0 }),
    figure(CASE, "API answers 5xx or none", served.serverErrors, "count", { op: "==", value: 0 }),
    figure(CASE, "count minus registrations stored", counted.count - stored, "count", { op: "==", value: 0 }),
    figure(CASE, "raw transactions failed", direct.failed, "count", { op: "==", value: 0 }),
  ]);
} finally {
  await bench.stop();
}
