import { readdirSync, readFileSync } from "node:fs";

/**
 * The shell examples of README.md, CONTRIBUTING.md and docs/*.md. Each fenced `sh` block says, in an HTML comment
 * on the line before it, whether test/doc-examples.test.ts runs it:
 *   <!-- example: run -->                    every command runs against a test stack
 *   <!-- example: not run: <why> -->         AWS, sst deploy, a prompt...: each project command's --help is checked
 * A block with neither fails the test. (CONTRIBUTING.md says the same.)
 */
export type Example = {
  page: string;
  line: number;
  command: string;
  /** What the doc shows it prints: the comment after it, or the `#` lines below it. */
  shown?: string;
};
export type ExampleBlock = {
  page: string;
  line: number;
  mode: "run" | "not run" | "unmarked";
  why?: string;
  examples: Example[];
};

const ROOT = new URL("../../", import.meta.url);
const FENCE = /^```(?:sh|bash|shell)\n([\s\S]*?)^```$/gm;
const MARKER = /<!-- example: (run|not run: (.+?)) -->\s*$/;

/** README.md, CONTRIBUTING.md and docs/*.md, by path from the checkout's root. */
export function docPages(): string[] {
  const docs = readdirSync(new URL("docs/", ROOT)).filter((name) => name.endsWith(".md"));
  return ["README.md", "CONTRIBUTING.md", ...docs.sort().map((name) => `docs/${name}`)];
}

/** Splits `command   # comment` at the first `#` that starts a comment, outside quotes. */
function splitComment(text: string): [string, string | undefined] {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"') quote = char;
    else if (char === "#" && (i === 0 || /\s/.test(text[i - 1]!)))
      return [text.slice(0, i).trim(), text.slice(i + 1).trim()];
  }
  return [text.trim(), undefined];
}

function examplesOf(page: string, body: string, firstLine: number): Example[] {
  const examples: Example[] = [];
  const lines = body.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let text = lines[i]!;
    while (text.endsWith("\\") && i + 1 < lines.length) text = `${text.slice(0, -1)} ${lines[++i]!.trim()}`;
    if (text.trim() === "") continue;
    const [command, comment] = splitComment(text);
    const previous = examples.at(-1);
    if (command === "" && comment !== undefined && previous) {
      previous.shown = previous.shown === undefined ? comment : `${previous.shown}\n${comment}`;
      continue;
    }
    if (command !== "")
      examples.push({ page, line: firstLine + start, command, ...(comment !== undefined && { shown: comment }) });
  }
  return examples;
}

/** Every fenced shell block of the docs, with its marker and its examples. */
export function exampleBlocks(): ExampleBlock[] {
  const blocks: ExampleBlock[] = [];
  for (const page of docPages()) {
    const text = readFileSync(new URL(page, ROOT), "utf8");
    for (const match of text.matchAll(FENCE)) {
      const before = text.slice(0, match.index);
      const line = before.split("\n").length;
      const marker = MARKER.exec(before.trimEnd().split("\n").at(-1) ?? "");
      const mode = !marker ? "unmarked" : marker[1] === "run" ? "run" : "not run";
      blocks.push({
        page,
        line,
        mode,
        ...(marker?.[2] && { why: marker[2] }),
        examples: examplesOf(page, match[1]!, line + 1),
      });
    }
  }
  return blocks;
}

/**
 * Whether an answer has the shape the doc shows: for JSON, the same keys with values of the same
 * types (the numbers are the doc's, not this stack's); for text, the same words with any numbers.
 */
export function matchesShown(shown: string, output: string): boolean {
  const body = output.includes("\r\n\r\n") ? output.slice(output.indexOf("\r\n\r\n") + 4) : output;
  if (shown.startsWith("{")) {
    const expected = JSON.parse(shown) as Record<string, unknown>;
    let actual: Record<string, unknown>;
    try {
      actual = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return false;
    }
    const types = (object: Record<string, unknown>) =>
      Object.entries(object)
        .map(([key, value]) => `${key}:${typeof value}`)
        .sort();
    return JSON.stringify(types(expected)) === JSON.stringify(types(actual));
  }
  const literal = (part: string) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = shown
    .split(/\d[\d,.]*/)
    .map(literal)
    .join("\\d[\\d,.]*")
    .replaceAll(" / ", "\\s+");
  return new RegExp(pattern).test(body);
}
