/**
 * Case 2: the p50 latency of `GET /api/registration/unique` with 100 registrations and with
 * 100,000, seeded straight into the table. The count is one BatchGetItem of its shards, so it should not grow.
 * Also how long `GET /api/registration/versions`, which reads the whole list, takes at each size.
 * @module
 */
import { figure, progress, reportFigures, scale } from "../support/figures.ts";
import { seedRegistrations } from "../support/seed.ts";
import { BENCH_PIN, startBenchStack } from "../support/stack.ts";
import { inParallel, percentile, round } from "../support/stats.ts";

const CASE = "count";
const SMALL = 100;
const LARGE = scale(100_000);
const requests = scale(2_000);
// A few callers at once, as a dashboard and OpenEMR's checks would be; the figure is latency, not load.
const CONCURRENCY = 4;

const bench = await startBenchStack({ api: true });
try {
  const tables = { registrations: bench.provisioned.tables.Registrations!, state: bench.provisioned.tables.State! };
  const url = `${bench.apiUrl}/api/registration/unique`;

  async function latencies(expected: number): Promise<number[]> {
    const samples: number[] = [];
    await inParallel(requests, CONCURRENCY, async () => {
      const t0 = performance.now();
      const response = await fetch(url);
      const { count } = (await response.json()) as { count: number };
      samples.push(performance.now() - t0);
      if (count !== expected) throw new Error(`count ${count}, expected ${expected}`);
    });
    return samples;
  }

  /** Median time of a few `GET /versions` in a row; each reads every registration. */
  async function versionsLatency(expected: number): Promise<number> {
    const samples: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const response = await fetch(`${bench.apiUrl}/api/registration/versions`, {
        headers: { "X-Secret-Pin": BENCH_PIN },
      });
      const { active } = (await response.json()) as { active: number };
      samples.push(performance.now() - t0);
      if (active !== expected) throw new Error(`${active} active, expected ${expected}`);
    }
    return percentile(samples, 0.5);
  }

  progress(`seeding ${SMALL} registrations`);
  await seedRegistrations(bench.db, tables, 0, SMALL);
  await latencies(SMALL); // warm-up: JIT, keep-alive connections, the JVM's read path
  const small = percentile(await latencies(SMALL), 0.5);
  const smallVersions = await versionsLatency(SMALL);

  progress(`seeding up to ${LARGE} registrations`);
  await seedRegistrations(bench.db, tables, SMALL, LARGE);
  await latencies(LARGE);
  const large = percentile(await latencies(LARGE), 0.5);
  const largeVersions = await versionsLatency(LARGE);

  reportFigures([
    figure(CASE, `GET /unique p50 at ${SMALL} registrations`, round(small, 2), "ms"),
    figure(CASE, `GET /unique p50 at ${LARGE.toLocaleString("en-US")} registrations`, round(large, 2), "ms"),
    figure(CASE, `p50 ratio ${LARGE.toLocaleString("en-US")} / ${SMALL}`, round(large / small, 3), "ratio", {
      op: "<=",
      value: 1.2,
    }),
    figure(CASE, `GET /versions at ${SMALL} registrations (median of 3)`, round(smallVersions, 1), "ms"),
    figure(
      CASE,
      `GET /versions at ${LARGE.toLocaleString("en-US")} registrations (median of 3)`,
      round(largeVersions, 1),
      "ms",
    ),
  ]);
} finally {
  await bench.stop();
}
