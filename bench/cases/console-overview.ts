/**
 * Case 7: `GET /console`, the board's overview, rendered by the API with a logged-in session, at
 * 1,000 registrations and at 100,000 in the same run: median and p95 of 50 requests each, and their
 * ratio. The registrations are seeded as the write path leaves them (items and counter shards:
 * `count`, each status, each ISO week), some opted out and spread over 60 weeks; the page's numbers
 * must equal what was seeded. The page reads the counters only, so its time should not grow.
 * @module
 */
import { isoWeek, type RegistrationStatus } from "@oemr-reg/core/registration";
import { figure, progress, reportFigures, scale } from "../support/figures.ts";
import { type SeedShape, seedRegistrations } from "../support/seed.ts";
import { BENCH_PIN, startBenchStack } from "../support/stack.ts";
import { percentile, round } from "../support/stats.ts";

const CASE = "console-overview";
const SMALL = 1_000;
const LARGE = scale(100_000);
// Not scaled: 50 requests take a second or two, and a median of fewer says little.
const REQUESTS = 50;
const now = new Date();

/** 5% unsubscribed, 2% bounced, 1% complained; registered over the last 60 weeks (8 of them off the chart). */
const shape: SeedShape = (index) => {
  const rest = index % 100;
  const status: RegistrationStatus =
    rest < 5 ? "unsubscribed" : rest < 7 ? "bounced" : rest < 8 ? "complained" : "active";
  return { status, registeredAt: new Date(now.getTime() - ((index * 7919) % (60 * 7 * 24)) * 3_600_000) };
};

/** What the overview should show for registrations 0 to `total - 1`. */
function expected(total: number) {
  const counts: Record<string, number> = { Registrations: total };
  const weeks = new Map<string, number>();
  for (let index = 0; index < total; index++) {
    const { status, registeredAt } = shape(index);
    const name = status[0]!.toUpperCase() + status.slice(1);
    counts[name] = (counts[name] ?? 0) + 1;
    const week = isoWeek(registeredAt);
    weeks.set(week, (weeks.get(week) ?? 0) + 1);
  }
  return { counts, weeks };
}

const bench = await startBenchStack({ api: true });
try {
  const tables = { registrations: bench.provisioned.tables.Registrations!, state: bench.provisioned.tables.State! };
  const cookie = await logIn();

  async function logIn(): Promise<string> {
    const response = await fetch(`${bench.apiUrl}/console/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: bench.apiUrl },
      body: new URLSearchParams({ secretPin: BENCH_PIN }),
      redirect: "manual",
    });
    const session = response.headers.get("set-cookie")?.split(";")[0];
    if (response.status !== 303 || !session) throw new Error(`login answered ${response.status}`);
    return session;
  }

  async function overview(): Promise<{ took: number; page: string }> {
    const t0 = performance.now();
    const response = await fetch(`${bench.apiUrl}/console`, { headers: { cookie }, redirect: "manual" });
    const page = await response.text();
    const took = performance.now() - t0;
    if (response.status !== 200) throw new Error(`GET /console answered ${response.status}`);
    return { took, page };
  }

  /** The numbers on the page that differ from what was seeded (counts, and every charted week). */
  function differences(page: string, total: number): string[] {
    const { counts, weeks } = expected(total);
    const wrong: string[] = [];
    const shown = (pattern: RegExp) => Number(pattern.exec(page)?.[1]?.replaceAll(",", "") ?? Number.NaN);
    for (const name of ["Registrations", "Active", "Unsubscribed", "Bounced", "Complained"]) {
      const value = shown(new RegExp(`<dt>${name}</dt><dd>([\\d,]+)</dd>`));
      if (value !== (counts[name] ?? 0)) wrong.push(`${name} ${value}, seeded ${counts[name] ?? 0}`);
    }
    const rows = [...page.matchAll(/<th scope="row">(\d{4}-W\d\d)<\/th><td class="n">([\d,]+)<\/td>/g)];
    if (rows.length !== 52) wrong.push(`${rows.length} weeks charted`);
    for (const [, week, value] of rows) {
      const seeded = weeks.get(week!) ?? 0;
      if (Number(value!.replaceAll(",", "")) !== seeded) wrong.push(`${week} ${value}, seeded ${seeded}`);
    }
    return wrong;
  }

  /**
   * After 200 requests untimed: V8's and the JVM's JIT, keep-alive connections, and the JVM's
   * collection of what the seeding left; with fewer, the first size paid for the JIT and the
   * second for the seeding, and the ratio moved from 0.4 to 1.6 between runs.
   */
  async function measure(total: number) {
    for (let i = 0; i < 4 * REQUESTS; i++) await overview();
    const samples: number[] = [];
    let last = "";
    for (let i = 0; i < REQUESTS; i++) {
      const { took, page } = await overview();
      samples.push(took);
      last = page;
    }
    const wrong = differences(last, total);
    if (wrong.length > 0) progress(`at ${total}: ${wrong.slice(0, 5).join("; ")}`);
    return { median: percentile(samples, 0.5), p95: percentile(samples, 0.95), wrong: wrong.length };
  }

  progress(`seeding ${SMALL} registrations`);
  await seedRegistrations(bench.db, tables, 0, SMALL, shape);
  const small = await measure(SMALL);
  progress(`seeding up to ${LARGE.toLocaleString("en-US")} registrations`);
  const seedStarted = performance.now();
  await seedRegistrations(bench.db, tables, SMALL, LARGE, shape);
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const large = await measure(LARGE);

  const at = (total: number) => `at ${total.toLocaleString("en-US")} registrations`;
  reportFigures([
    figure(CASE, `GET /console median ${at(SMALL)}`, round(small.median, 1), "ms"),
    figure(CASE, `GET /console p95 ${at(SMALL)}`, round(small.p95, 1), "ms"),
    figure(CASE, `GET /console median ${at(LARGE)}`, round(large.median, 1), "ms", { op: "<=", value: 200 }),
    figure(CASE, `GET /console p95 ${at(LARGE)}`, round(large.p95, 1), "ms"),
    figure(
      CASE,
      `median ratio ${LARGE.toLocaleString("en-US")} / ${SMALL.toLocaleString("en-US")}`,
      round(large.median / small.median, 3),
      "ratio",
      { op: "<=", value: 2 },
    ),
    figure(CASE, "numbers on the page unlike the seeded counts", small.wrong + large.wrong, "count", {
      op: "==",
      value: 0,
    }),
    figure(
      CASE,
      `seeding rate, ${(LARGE - SMALL).toLocaleString("en-US")} registrations (BatchWriteItem)`,
      round((LARGE - SMALL) / seedSeconds, 0),
      "items/s",
    ),
  ]);
} finally {
  await bench.stop();
}
