/**
 * Case 4: peak resident memory of the fan-out handler, bundled as deployed and run in a fresh
 * process, while it enumerates 1,000, 10,000 and then 100,000 registrations: every segment of a
 * broadcast, one invocation after another as one warm instance would take them.
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDynamoBroadcastStore, FANOUT_SEGMENTS } from "@oemr-reg/core/broadcast";
import { sqsEvent } from "@oemr-reg/local/lambda-events";
import { bundleHandler, invokeBundle } from "../support/bundle.ts";
import { figure, progress, reportFigures, scale } from "../support/figures.ts";
import { seedRegistrations } from "../support/seed.ts";
import { startBenchStack } from "../support/stack.ts";
import { round } from "../support/stats.ts";

const CASE = "fanout-memory";
const SMALL = scale(1_000);
// A run this long shows whether memory keeps growing with the table or has settled.
const MEDIUM = scale(10_000);
const LARGE = scale(100_000);
// The deployed function has 60 s and hands the rest of a segment to a continuation message; here
// one process must see the whole table, so it is given as long as it needs.
const TIMEOUT_SECONDS = 3_600;

const outDir = mkdtempSync(join(tmpdir(), "oemr-bench-fanout-"));
const bench = await startBenchStack();
try {
  const { tables, queues } = bench.provisioned;
  const broadcasts = createDynamoBroadcastStore({ db: bench.db, stateTable: tables.State! });
  const { file } = await bundleHandler("packages/functions/src/fanout.ts", outDir);

  async function peakRss(registrations: number) {
    const broadcastId = crypto.randomUUID();
    await broadcasts.create({
      broadcastId,
      content: { title: "Bench fan-out", contents: "Hello" },
      totalSegments: FANOUT_SEGMENTS,
      now: new Date(),
    });
    const events = Array.from({ length: FANOUT_SEGMENTS }, (_, segment) =>
      sqsEvent(queues.Fanout!.arn, [{ broadcastId, segment, totalSegments: FANOUT_SEGMENTS }]),
    );
    const started = performance.now();
    const report = await invokeBundle(file, events, {
      env: { ...process.env, LOG_LEVEL: "ERROR" },
      timeoutSeconds: TIMEOUT_SECONDS,
    });
    const seconds = (performance.now() - started) / 1000;
    const broadcast = await broadcasts.get(broadcastId);
    if (broadcast?.recipients !== registrations)
      throw new Error(`fan-out found ${broadcast?.recipients} of ${registrations} registrations`);
    return { mb: report.maxRssBytes / 2 ** 20, seconds };
  }

  const seedTables = { registrations: tables.Registrations!, state: tables.State! };
  progress(`seeding ${SMALL} registrations, fanning out`);
  await seedRegistrations(bench.db, seedTables, 0, SMALL);
  const small = await peakRss(SMALL);
  progress(`seeding up to ${MEDIUM} registrations, fanning out`);
  await seedRegistrations(bench.db, seedTables, SMALL, MEDIUM);
  const medium = await peakRss(MEDIUM);
  progress(`seeding up to ${LARGE} registrations, fanning out`);
  await seedRegistrations(bench.db, seedTables, MEDIUM, LARGE);
  const large = await peakRss(LARGE);

  const label = (n: number) => n.toLocaleString("en-US");
  reportFigures([
    figure(CASE, `fan-out peak RSS, ${label(SMALL)} registrations`, round(small.mb, 1), "MB"),
    figure(CASE, `fan-out peak RSS, ${label(MEDIUM)} registrations`, round(medium.mb, 1), "MB"),
    figure(CASE, `fan-out peak RSS, ${label(LARGE)} registrations`, round(large.mb, 1), "MB"),
    figure(CASE, `peak RSS ratio ${label(LARGE)} / ${label(SMALL)}`, round(large.mb / small.mb, 3), "ratio", {
      op: "<=",
      value: 1.5,
    }),
    figure(CASE, `peak RSS ratio ${label(LARGE)} / ${label(MEDIUM)}`, round(large.mb / medium.mb, 3), "ratio"),
    figure(CASE, `fan-out rate, ${label(LARGE)} registrations`, round(LARGE / large.seconds, 0), "recipients/s"),
  ]);
} finally {
  await bench.stop();
  rmSync(outDir, { recursive: true, force: true });
}
