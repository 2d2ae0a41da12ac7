import { writeFileSync } from "node:fs";

export type Target = { op: ">=" | "<=" | "=="; value: number };

/** One measured number, as the table and `results.json` show it. */
export type Figure = {
  case: string;
  name: string;
  value: number;
  unit: string;
  target?: Target;
  met?: boolean;
  note?: string;
};

export function figure(
  caseName: string,
  name: string,
  value: number,
  unit: string,
  target?: Target,
  note?: string,
): Figure {
  const met = target && Number.isFinite(value) ? meets(value, target) : target ? false : undefined;
  return { case: caseName, name, value, unit, ...(target && { target, met }), ...(note && { note }) };
}

function meets(value: number, { op, value: limit }: Target): boolean {
  if (op === ">=") return value >= limit;
  if (op === "<=") return value <= limit;
  return value === limit;
}

/** What a case child hands back: its figures, written where the runner asked (`BENCH_OUT`). */
export function reportFigures(figures: Figure[]): void {
  const out = process.env.BENCH_OUT;
  if (!out) {
    console.log(JSON.stringify(figures, null, 2));
    return;
  }
  writeFileSync(out, JSON.stringify(figures));
}

/** `--quick`: every case at a tenth of its size. */
export const quick = process.argv.includes("--quick");
export const scale = (full: number) => (quick ? Math.max(1, Math.round(full / 10)) : full);

/** Progress for the person watching; stdout of a case belongs to the handlers' logs. */
export function progress(message: string): void {
  process.stderr.write(`  ${message}\n`);
}
