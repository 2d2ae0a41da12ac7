/**
 * `npm run bench [-- --quick] [-- --only=<case>,...]`: starts one set of emulators for the run, then
 * each case in a fresh process (handlers read `Resource` and SDK clients their endpoints once per
 * process), prints every figure as a table and writes them to `bench/results.json`
 * (`bench/results.local.json` for a quick or partial run).
 *
 * Every case runs with DynamoDB's transaction conflict rules applied (`DYNAMODB_CONFLICTS=off`
 * turns them off for a whole run), and reports how many requests they refused. The registration
 * case also runs without them, first, for the ratio.
 * @module
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startConflictProxy } from "@oemr-reg/local/dynamodb-conflicts";
import { startEmulatorsOnFreePorts } from "@oemr-reg/local/harness";
import { type Figure, figure } from "./support/figures.ts";

const CASES = [
  "registration",
  "count",
  "console-overview",
  "usage-summary",
  "pacing",
  "fanout-memory",
  "bundles",
  "sender-cpu",
] as const;
const HERE = fileURLToPath(new URL(".", import.meta.url));

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const only = args
  .find((arg) => arg.startsWith("--only="))
  ?.slice("--only=".length)
  .split(",");
const unknown = only?.filter((name) => !(CASES as readonly string[]).includes(name)) ?? [];
if (unknown.length > 0) {
  console.error(`Unknown case ${unknown.join(", ")}; the cases are ${CASES.join(", ")}`);
  process.exit(2);
}
const selected = CASES.filter((name) => !only || only.includes(name));

// A quick run ends before DynamoDB Local's optimizing JIT (C2) pays back what it compiles, and on
// two cores those compiles take CPU from the run: about a quarter of a quick run's CPU time. Full
// runs keep the JVM's default, which their throughput figures need.
if (quick)
  process.env.JAVA_TOOL_OPTIONS = [process.env.JAVA_TOOL_OPTIONS, "-XX:TieredStopAtLevel=1"].filter(Boolean).join(" ");
const started = Date.now();
const work = mkdtempSync(join(tmpdir(), "oemr-bench-"));
const logs = join(HERE, ".logs");
mkdirSync(logs, { recursive: true });
console.error(
  `Benchmarks${quick ? " (quick: a tenth of the size)" : ""}: ${selected.join(", ")}; handler logs in bench/.logs/`,
);

const emulators = await startEmulatorsOnFreePorts();
const rulesOff = await startConflictProxy({ upstream: emulators.dynamodbLocal, port: 0, rules: false });
const rules = emulators.dynamodbConflicts.rules ? "on" : "off";
let current: ReturnType<typeof spawn> | undefined;
// Ctrl-C: stop the running case and the emulators (DynamoDB Local's JVM would outlive us).
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    current?.kill("SIGTERM");
    void Promise.all([rulesOff.stop(), emulators.stop()]).finally(() => process.exit(130));
  });
}
const figures: Figure[] = [];
const failures: string[] = [];
try {
  for (const name of selected) {
    const caseStarted = Date.now();
    console.error(`${name}:`);
    try {
      const before = refused();
      figures.push(...(await (name === "registration" ? withAndWithoutRules(name) : runCase(name))));
      figures.push(
        figure(name, `DynamoDB requests refused for a conflict (rules ${rules})`, refused() - before, "count"),
      );
      console.error(`  done in ${Math.round((Date.now() - caseStarted) / 1000)} s`);
    } catch (error) {
      failures.push(name);
      console.error(`  FAILED: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
} finally {
  await rulesOff.stop();
  await emulators.stop();
  rmSync(work, { recursive: true, force: true });
}

const results = {
  date: new Date().toISOString(),
  command: `npm run bench${args.length > 0 ? ` -- ${args.join(" ")}` : ""}`,
  mode: quick ? "quick" : "full",
  durationSeconds: Math.round((Date.now() - started) / 1000),
  machine: {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  },
  dynamodbConflictRules: rules,
  failedCases: failures,
  figures,
};
const file = join(HERE, quick || only ? "results.local.json" : "results.json");
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);

console.log(table(figures));
console.log(
  `\n${results.date.slice(0, 10)}, ${results.machine.cores} cores (${results.machine.cpu}), ` +
    `${results.machine.memoryGiB} GiB, Node ${results.machine.node}; ${results.durationSeconds} s; ` +
    `written to bench/${file.split("/").at(-1)}`,
);
if (failures.length > 0) {
  console.error(`Cases that failed: ${failures.join(", ")}`);
  process.exitCode = 1;
}

function refused(): number {
  const { transactWrites, singleWrites, transactGets } = emulators.dynamodbConflicts.counts();
  return transactWrites + singleWrites + transactGets;
}

/**
 * The case first without the conflict rules, behind a proxy of its own to the same DynamoDB Local
 * (its figures named `<case> (rules off)`), then with them, and the ratio of their throughputs.
 */
async function withAndWithoutRules(name: string): Promise<Figure[]> {
  const off = (await runCase(name, { ...emulators.endpoints, dynamodb: rulesOff.endpoint })).map((row) => ({
    ...row,
    case: `${name} (rules off)`,
  }));
  const rate = (rows: Figure[]) => rows.find((row) => row.name.startsWith("API registrations/s"))!.value;
  const on = await runCase(name);
  return [
    ...off,
    ...on,
    figure(
      name,
      "API registrations/s, rules on / rules off",
      Math.round((rate(on) / rate(off)) * 1000) / 1000,
      "ratio",
      { op: ">=", value: 0.9 },
    ),
  ];
}

/** Runs one case in its own process against this run's emulators and reads back its figures. */
function runCase(name: string, endpoints = emulators.endpoints): Promise<Figure[]> {
  const out = join(work, `${name}.json`);
  const log = join(logs, `${name}.log`);
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(HERE, "cases", `${name}.ts`), ...(quick ? ["--quick"] : [])],
    {
      env: { ...process.env, BENCH_OUT: out, BENCH_ENDPOINTS: JSON.stringify(endpoints) },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  current = child;
  const chunks: Buffer[] = [];
  child.stdout!.on("data", (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      writeFileSync(log, Buffer.concat(chunks));
      if (code !== 0) return reject(new Error(`exited with ${code}; see bench/.logs/${name}.log`));
      resolve(JSON.parse(readFileSync(out, "utf8")) as Figure[]);
    });
  });
}

function table(rows: Figure[]): string {
  const lines = ["| case | figure | value | target | met |", "| --- | --- | ---: | --- | --- |"];
  for (const row of rows) {
    const amount = Number.isFinite(row.value) ? row.value.toLocaleString("en-US", { maximumFractionDigits: 3 }) : "n/a";
    const value = `${amount} ${row.unit === "ratio" ? "" : row.unit}`.trim();
    const op = row.target?.op === "==" ? "=" : row.target?.op.replace(">=", "≥").replace("<=", "≤");
    const target = row.target ? `${op} ${row.target.value.toLocaleString("en-US")}` : "";
    const met = row.met === undefined ? "" : row.met ? "yes" : "**no**";
    lines.push(`| ${row.case} | ${row.name} | ${value} | ${target} | ${met} |`);
  }
  return lines.join("\n");
}
