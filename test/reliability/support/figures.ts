import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { inject } from "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    reliabilityDir: string;
  }
}

/** One row of the summary: what was tried, how many times, and what was lost (the promise: 0). */
export type Figure = {
  check: string;
  tried: string;
  count: number;
  lost: number;
  /** Anything else worth reporting: rates, latencies, duplicates. */
  notes?: string;
};

/** Records a row of the summary table printed at the end of the run. */
export function recordFigure(figure: Figure): void {
  appendFileSync(join(inject("reliabilityDir"), "figures.jsonl"), `${JSON.stringify(figure)}\n`);
}

/**
 * Records values that must never appear in a log (full addresses, PINs, tokens), so the scan at
 * the end of the run can look for each of them.
 */
export function recordSecrets(...values: string[]): void {
  if (values.length === 0) return;
  appendFileSync(
    join(inject("reliabilityDir"), "secrets.jsonl"),
    values.map((value) => `${JSON.stringify(value)}\n`).join(""),
  );
}

/** Appends what a process other than the test worker logged (a spawned `npm start`) to the scanned logs. */
export function recordLogs(name: string, text: string): void {
  appendFileSync(join(inject("reliabilityDir"), `logs-${name}.log`), text);
}
