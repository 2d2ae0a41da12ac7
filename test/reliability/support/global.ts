import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Emulators } from "@oemr-reg/local/emulators";
import type { TestProject } from "vitest/node";
import { reliabilityResultsPath } from "../../support/docs-output.ts";
import type { Figure } from "./figures.ts";

// test/reliability/results.json only under `npm run docs:update`: a run leaves the tree clean.
const RESULTS = reliabilityResultsPath();
// The service's own From addresses are not anyone's personal address.
const OWN_ADDRESSES = /^noreply@/i;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
// A link token of either format: `v2.<key id>.<sealed>`, or `<payload>.<MAC>` from before v2.
const TOKEN = /(?:v2\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{40,}|[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])/g;

/**
 * Gives the run a folder where tests record figures, secrets and logs; at the end prints the
 * summary table, writes it to test/reliability/results.local.json (results.json under
 * `npm run docs:update`), and fails the run if any log line
 * holds a full address, a PIN or a token.
 */
export default function reliabilityRun(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), "oemr-reliability-"));
  project.provide("reliabilityDir", dir);
  const started = Date.now();

  return () => {
    const figures = readLines<Figure>(join(dir, "figures.jsonl"));
    const leaks = scanLogs(dir);
    figures.push({
      check: "logs: no full address, PIN or token",
      tried: `${leaks.lines} log lines scanned for ${leaks.secrets} recorded secrets and any address or token`,
      count: leaks.lines,
      lost: leaks.found.length,
      notes: leaks.found.slice(0, 3).join("; ") || undefined,
    });
    // Started by test/setup/emulators.ts in this process: whether DynamoDB's conflict rules applied.
    const { rules, counts } = ((globalThis as Record<symbol, unknown>)[Symbol.for("oemr-reg.emulators")] as Emulators)
      .dynamodbConflicts;
    const dynamodbConflictRules = rules ? "on" : "off";
    const refused = counts();
    figures.push({
      check: `DynamoDB conflict rules: ${dynamodbConflictRules}`,
      tried: "every request of this run through the conflict proxy (packages/local/src/dynamodb-conflicts.ts)",
      count: refused.transactWrites + refused.singleWrites + refused.transactGets,
      lost: 0,
      notes:
        `refused for a conflict: ${refused.transactWrites} transactions, ${refused.singleWrites} single writes, ` +
        `${refused.transactGets} transactional reads`,
    });
    const seconds = Math.round((Date.now() - started) / 1000);
    printTable(figures, seconds);
    writeFileSync(
      RESULTS,
      `${JSON.stringify({ at: new Date().toISOString(), seconds, dynamodbConflictRules, figures }, null, 2)}\n`,
    );
    if (leaks.found.length > 0) {
      // A throw here would stop the emulators from being stopped; the exit code carries the failure.
      console.error(`FAILED: the logs leaked ${leaks.found.length} secrets, e.g. ${leaks.found[0]} (logs in ${dir})`);
      process.exitCode = 1;
    }
  };
}

function readLines<T>(file: string): T[] {
  try {
    return readFileSync(file, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as T);
  } catch {
    return [];
  }
}

function scanLogs(dir: string): { lines: number; secrets: number; found: string[] } {
  const secrets = [...new Set(readLines<string>(join(dir, "secrets.jsonl")).map((value) => value.toLowerCase()))];
  const found = new Set<string>();
  let lines = 0;
  for (const name of readdirSync(dir).filter((file) => file.startsWith("logs-"))) {
    for (const line of readFileSync(join(dir, name), "utf8").split("\n")) {
      if (!line) continue;
      lines += 1;
      const lower = line.toLowerCase();
      for (const secret of secrets)
        if (lower.includes(secret)) found.add(`${name}: a recorded secret (${secret.slice(0, 3)}…)`);
      for (const [address] of line.matchAll(EMAIL))
        if (!OWN_ADDRESSES.test(address)) found.add(`${name}: address ${address.slice(0, 3)}…`);
      for (const [token] of line.matchAll(TOKEN)) found.add(`${name}: token ${token.slice(0, 6)}…`);
    }
  }
  return { lines, secrets: secrets.length, found: [...found] };
}

function printTable(figures: Figure[], seconds: number): void {
  const rows = [
    ["check", "tried", "count", "lost", "notes"],
    ...figures.map((f) => [f.check, f.tried, String(f.count), String(f.lost), f.notes ?? ""]),
  ];
  const widths = rows[0]!.map((_, column) => Math.min(70, Math.max(...rows.map((row) => row[column]!.length))));
  const line = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column]!)).join(" | ")} |`;
  console.log(
    `\nReliability summary (${seconds} s)\n${line(rows[0]!)}\n|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
  );
  for (const row of rows.slice(1)) console.log(line(row));
}
