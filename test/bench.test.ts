import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

// Keeps `npm run bench` from rotting: the quick mode runs every case and produces every figure.
// Figures are not asserted on; benchmarks print them, they are not timed tests. The exceptions are
// ratios of one run: the console overview at 10,000 registrations against 1,000 (issue #15), and the
// API bundle's first load against all its chunks; and each handler's first load over its floor's,
// which is bytes, not time.
describe("npm run bench -- --quick", () => {
  it("produces every figure of every case", { timeout: 300_000 }, async () => {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", "bench/run.ts", "--quick"], {
        cwd: ROOT,
        stdio: "ignore",
      });
      child.once("error", reject);
      child.once("close", resolve);
    });
    expect(code).toBe(0);
    const results = JSON.parse(readFileSync(`${ROOT}/bench/results.local.json`, "utf8")) as {
      mode: string;
      failedCases: string[];
      machine: Record<string, unknown>;
      figures: { case: string; name: string; value: number }[];
    };
    expect(results.mode).toBe("quick");
    expect(results.failedCases).toEqual([]);
    expect(Object.keys(results.machine)).toEqual(expect.arrayContaining(["cores", "memoryGiB", "node"]));
    const perCase: Record<string, number> = {};
    for (const figure of results.figures) perCase[figure.case] = (perCase[figure.case] ?? 0) + 1;
    expect(perCase).toEqual({
      registration: 13,
      "registration (rules off)": 11,
      count: 6,
      "console-overview": 8,
      "usage-summary": 3,
      pacing: 8,
      "fanout-memory": 7,
      bundles: 93,
      "sender-cpu": 7,
    });
    for (const figure of results.figures) expect(Number.isFinite(figure.value), figure.name).toBe(true);
    const overview = results.figures.filter((figure) => figure.case === "console-overview");
    expect(overview.find((figure) => figure.name.startsWith("median ratio"))!.value).toBeLessThanOrEqual(2);
    expect(overview.find((figure) => figure.name.startsWith("numbers on the page"))!.value).toBe(0);
    // What only rare requests need (the HTML tool chain that renders a broadcast, the SES and SQS
    // clients) stays out of the API's cold start: its first load, against all its chunks, in one run.
    const size = (name: string) => results.figures.find((figure) => figure.name === name)!.value;
    const firstLoad = size("api bundle size, entry and the chunks a first event loads");
    expect(firstLoad / size("api bundle size, all chunks")).toBeLessThan(0.5);
    // Each handler has a floor (same SDK clients, same AWS calls, which the case checks), and the
    // floor's first load is the SDK's alone: under half its handler's in every case.
    const handlers = ["api", "fanout", "send", "ses-events", "embargo", "requeue", "source-ips", "tallies"];
    for (const name of handlers) {
      const floor = size(`${name}-floor bundle size, entry and the chunks a first event loads`);
      expect(floor, name).toBeLessThan(size(`${name} bundle size, entry and the chunks a first event loads`));
      expect(size(`${name} cold start / floor`), name).toBeGreaterThan(0);
    }
    // Issue #26's first-load target is bytes, the same in every run, so it is asserted: the API's
    // first load at most 100 KB over its floor's. Its cold-start target (at most 1.2 times the
    // floor's) is not: a quick run's one timed cold start is too noisy for a ratio on a shared
    // machine. Each other handler's bound sits over its 2026-12-07 figure (fanout 66.6, send 140.4,
    // ses-events 57.9, embargo 81.7, requeue 51.8, source-ips 21.2, tallies 22.2 KB) by less than the
    // smallest lever that handler's figure owes, so that undoing any lever fails: 21.5 KB in each
    // for the logger (packages/core/src/log.ts); the fan-out's 125 KB for its schemas in zod/mini;
    // the sender's 25 KB for its SQS client on first use, 9 for nodemailer's fetch, 74 for its
    // MIME types, 125 for zod/mini, 234 for signing with Node's crypto (email/ed25519-signer.ts);
    // the SES-events handler's 13 KB for its broadcast store on the first hard bounce, 119 for
    // zod/mini; the embargo's 129 KB for the drafts in zod/mini. The API has 2.7 KB of room
    // (97.3 KB): undoing any of its levers (docs/benchmarks.md) fails but the signer's or the
    // cancel's on first call alone (2.9 KB together). `node:http` as CommonJS adds 1 KB and saves
    // time, not bytes: test/bundled-http.test.ts holds it.
    const maxKbOverFloor = {
      ...{ api: 100, fanout: 72, send: 147, "ses-events": 66 },
      ...{ embargo: 96, requeue: 66, "source-ips": 35, tallies: 36 },
    };
    for (const [name, bound] of Object.entries(maxKbOverFloor))
      expect(size(`${name} first load over its floor's`), name).toBeLessThanOrEqual(bound);
  });
});
