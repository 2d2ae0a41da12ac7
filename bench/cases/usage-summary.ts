/**
 * Case 6: the p50 latency of `GET /api/usage/summary` with 100 sites reporting and with 10,000
 * (each site's latest report stored as `POST /api/usage` stores it). The summary reads one snapshot
 * per site, so it grows with the sites; the target is 10,000 sites in under a second.
 * @module
 */
import { createDynamoUsageStore, storedReport, UsageReport } from "@oemr-reg/core/usage";
import { figure, progress, reportFigures, scale } from "../support/figures.ts";
import { BENCH_PIN, startBenchStack } from "../support/stack.ts";
import { inParallel, percentile, round } from "../support/stats.ts";

const CASE = "usage-summary";
const SMALL = 100;
const LARGE = scale(10_000);
const requests = scale(50);
const VERSIONS = ["7.0.2", "7.0.3 (4)", "7.0.3.4", "7.0.4", "8.0.0"];

const bench = await startBenchStack({ api: true });
try {
  const usage = createDynamoUsageStore({ db: bench.db, stateTable: bench.provisioned.tables.State! });
  const expires = new Date(Date.now() + 400 * 86_400_000);

  function report(site: number) {
    return UsageReport.parse({
      usageRecords: [
        { event_type: "menuClick", event_label: "Calendar", count: "12" },
        { event_type: "API", event_url: `GET /apis/default/api/patient/${site}`, count: String(site % 50) },
      ],
      localeData: {
        reporting_date: "20261201",
        version: VERSIONS[site % VERSIONS.length],
        environment: `Linux, 6.8.0, 8.${site % 4}.1`,
        location: JSON.stringify({ country: ["US", "DE", "IN", "BR"][site % 4], region: "R" }),
        moduleCounts: JSON.stringify({ Weno: site % 2, "Claim Revenue Cycle": 1 }),
        enabledEncounterForms: JSON.stringify([{ name: "Vitals" }, { name: "SOAP" }]),
      },
    });
  }

  async function seed(from: number, to: number) {
    await inParallel(to - from, 16, (i) =>
      usage.save(storedReport(`bench-site-${from + i}`, report(from + i), new Date()), expires),
    );
  }

  async function latencies(expected: number): Promise<number[]> {
    const samples: number[] = [];
    await inParallel(requests, 2, async () => {
      const t0 = performance.now();
      const response = await fetch(`${bench.apiUrl}/api/usage/summary`, { headers: { "X-Secret-Pin": BENCH_PIN } });
      const { sites } = (await response.json()) as { sites: number };
      samples.push(performance.now() - t0);
      if (sites !== expected) throw new Error(`${sites} sites, expected ${expected}`);
    });
    return samples;
  }

  progress(`seeding ${SMALL} sites`);
  await seed(0, SMALL);
  await latencies(SMALL);
  const small = percentile(await latencies(SMALL), 0.5);
  progress(`seeding up to ${LARGE} sites`);
  await seed(SMALL, LARGE);
  await latencies(LARGE);
  const large = percentile(await latencies(LARGE), 0.5);

  reportFigures([
    figure(CASE, `GET /usage/summary p50 at ${SMALL} sites`, round(small, 1), "ms"),
    figure(CASE, `GET /usage/summary p50 at ${LARGE.toLocaleString("en-US")} sites`, round(large, 1), "ms", {
      op: "<=",
      value: 1_000,
    }),
  ]);
} finally {
  await bench.stop();
}
