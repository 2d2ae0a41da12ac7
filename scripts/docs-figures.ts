/**
 * `npm run docs:figures`: writes the figures in docs/ from the files that measured them, so that no
 * figure is copied by hand. Between markers only:
 * - `<!-- figures:bench -->` … `<!-- /figures:bench -->`: bench/results.json's run and table;
 * - `<!-- figures:reliability -->` … `<!-- /figures:reliability -->`: test/reliability/results.json's;
 * - `<!-- figures:node -->` … `<!-- /figures:node -->`: the headline figures of bench/results.json beside
 *   those of bench/results.node20.json, the last full run on Node 20;
 * - `<!-- figure:bench <case> :: <figure name> -->`value`<!-- /figure -->`: one bench figure in prose or a
 *   table cell (`::`, since a `|` would split the cell).
 * `--check` writes nothing and fails, naming the files, when a doc differs (test/docs-figures.test.ts).
 * @module
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

type Target = { op: ">=" | "<=" | "=="; value: number };
type BenchFigure = { case: string; name: string; value: number; unit: string; target?: Target; met?: boolean };
export type BenchResults = {
  date: string;
  command: string;
  durationSeconds: number;
  machine: { cores: number; cpu: string; memoryGiB: number; node: string };
  dynamodbConflictRules: string;
  /** Figures of the run replaced by a later, narrower run's: which, when and with what command. */
  remeasured?: { date: string; command: string; figures: string };
  figures: BenchFigure[];
};
type ReliabilityFigure = { check: string; tried: string; count: number; lost: number; notes?: string };
export type ReliabilityResults = {
  at: string;
  seconds: number;
  dynamodbConflictRules: string;
  figures: ReliabilityFigure[];
};
export type Sources = { bench: BenchResults; reliability: ReliabilityResults; node20: BenchResults };

const ROOT = new URL("../", import.meta.url);

/** The figure as a reader reads it: `5,032 count`, `262.8 req/s`, a ratio bare. */
export function formatValue({ value, unit }: { value: number; unit: string }): string {
  const number = value.toLocaleString("en-US", { maximumFractionDigits: 3 });
  return unit === "ratio" ? number : `${number} ${unit}`;
}

const OPS = { ">=": "≥", "<=": "≤", "==": "=" } as const;

/** A Markdown table with its columns padded, as the docs' other tables are. */
export function markdownTable(header: string[], rows: string[][], right: number[] = []): string {
  const widths = header.map((title, column) => Math.max(title.length, 3, ...rows.map((row) => row[column]!.length)));
  const pad = (cell: string, column: number) =>
    right.includes(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!);
  const line = (cells: string[]) => `| ${cells.map(pad).join(" | ")} |`;
  const rule = widths.map((width, column) =>
    right.includes(column) ? `${"-".repeat(width - 1)}:` : "-".repeat(width),
  );
  return [line(header), `| ${rule.join(" | ")} |`, ...rows.map(line)].join("\n");
}

function benchBlock(bench: BenchResults): string {
  const { machine } = bench;
  const intro =
    `Latest full run: \`${bench.command}\`, ${bench.date.slice(0, 10)}, ${machine.cores} cores (${machine.cpu}), ` +
    `${machine.memoryGiB} GiB, Node ${machine.node}, ${bench.durationSeconds} s, with DynamoDB's conflict rules ` +
    `${bench.dynamodbConflictRules} (\`bench/results.json\`).` +
    (bench.remeasured
      ? ` Re-measured since: ${bench.remeasured.figures}, by \`${bench.remeasured.command}\`, ` +
        `${bench.remeasured.date.slice(0, 10)}.`
      : "");
  const rows = bench.figures.map((figure) => [
    figure.case,
    figure.name,
    formatValue(figure),
    figure.target ? `${OPS[figure.target.op]} ${figure.target.value}` : "",
    figure.met === undefined ? "" : figure.met ? "yes" : "**no**",
  ]);
  return `${intro}\n\n${markdownTable(["case", "figure", "value", "target", "met"], rows, [2])}`;
}

function reliabilityBlock(reliability: ReliabilityResults): string {
  const intro =
    `Latest run: \`npm run test:reliability\`, ${reliability.at.slice(0, 10)}, ${reliability.seconds} s in all, ` +
    `with DynamoDB's conflict rules ${reliability.dynamodbConflictRules} (\`test/reliability/results.json\`).`;
  const rows = reliability.figures.map(({ check, tried, count, lost, notes }) => [
    check,
    tried,
    String(count),
    String(lost),
    notes ?? "",
  ]);
  return `${intro}\n\n${markdownTable(["check", "tried", "count", "lost", "notes"], rows)}`;
}

/** The figures that say what a change of Node moved: throughput, cold starts, pacing, memory. */
const HEADLINE = new RegExp(
  ["registrations/s", "TransactWriteItems/s", "process start to first answer", "achieved", "peak RSS", "ratio"].join(
    "|",
  ),
);

function nodeBlock(bench: BenchResults, node20: BenchResults): string {
  const before = new Map(node20.figures.map((figure) => [`${figure.case}\n${figure.name}`, figure]));
  const rows = bench.figures.flatMap((figure) => {
    const old = before.get(`${figure.case}\n${figure.name}`);
    const row = [figure.case, figure.name, formatValue(old ?? figure), formatValue(figure)];
    return old && HEADLINE.test(figure.name) ? [row] : [];
  });
  const nodeOf = (results: BenchResults) => `Node ${results.machine.node.replace(/^v/, "")}`;
  const header = ["case", "figure", nodeOf(node20), nodeOf(bench)];
  const intro =
    `\`bench/results.node20.json\` (${node20.date.slice(0, 10)}) beside \`bench/results.json\` ` +
    `(${bench.date.slice(0, 10)}), each one full run on ${bench.machine.cores} cores.`;
  return `${intro}\n\n${markdownTable(header, rows, [2, 3])}`;
}

function benchFigure(bench: BenchResults, caseName: string, name: string): string {
  const found = bench.figures.find((figure) => figure.case === caseName && figure.name === name);
  if (!found) throw new Error(`bench/results.json has no figure "${name}" in case "${caseName}"`);
  return formatValue(found);
}

const BLOCK = /(<!-- figures:(bench|reliability|node) -->\n)[\s\S]*?(\n<!-- \/figures:\2 -->)/g;
const INLINE = /(<!-- figure:bench (.+?) :: (.+?) -->)[\s\S]*?(<!-- \/figure -->)/g;

/** The document with every marked figure written from the sources; nothing else changes. */
export function renderFigures(markdown: string, { bench, reliability, node20 }: Sources): string {
  const blocks: Record<string, () => string> = {
    bench: () => benchBlock(bench),
    reliability: () => reliabilityBlock(reliability),
    node: () => nodeBlock(bench, node20),
  };
  return markdown
    .replace(BLOCK, (_, open: string, kind: string, close: string) => [open, blocks[kind]!(), close].join(""))
    .replace(INLINE, (_, open: string, caseName: string, name: string, close: string) =>
      [open, benchFigure(bench, caseName, name), close].join(""),
    );
}

/** README.md and every page of docs/, by path from the checkout's root. */
export function docPages(): string[] {
  const docs = readdirSync(new URL("docs/", ROOT)).filter((name) => name.endsWith(".md"));
  return ["README.md", ...docs.map((name) => `docs/${name}`)];
}

export function readSources(): Sources {
  const json = <T>(path: string) => JSON.parse(readFileSync(new URL(path, ROOT), "utf8")) as T;
  return {
    bench: json("bench/results.json"),
    reliability: json("test/reliability/results.json"),
    node20: json("bench/results.node20.json"),
  };
}

/** The pages whose figures differ from what the sources say, written unless `check`. */
export function writeFigures({ check = false } = {}): string[] {
  const sources = readSources();
  const stale: string[] = [];
  for (const page of docPages()) {
    const path = new URL(page, ROOT);
    const text = readFileSync(path, "utf8");
    const rendered = renderFigures(text, sources);
    if (rendered === text) continue;
    stale.push(page);
    if (!check) writeFileSync(path, rendered);
  }
  return stale;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes("--check");
  const stale = writeFigures({ check });
  if (check && stale.length > 0) {
    console.error(`Figures differ from the results in ${stale.join(", ")}: run npm run docs:figures`);
    process.exit(1);
  }
  console.log(stale.length > 0 ? `Wrote the figures of ${stale.join(", ")}` : "Every figure is up to date");
}
