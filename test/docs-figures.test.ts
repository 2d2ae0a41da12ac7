import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readSources, renderFigures, writeFigures } from "../scripts/docs-figures.ts";

const sources = readSources();
const page = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), "utf8");

describe("figures in docs/ (npm run docs:figures)", () => {
  it("are what bench/results.json and test/reliability/results.json say, in every page", () => {
    expect(writeFigures({ check: true }), "run npm run docs:figures").toEqual([]);
  });

  it("keep the latest runs' tables between markers, not copied by hand", () => {
    expect(page("docs/benchmarks.md")).toMatch(
      /<!-- figures:bench -->\nLatest full run: [\s\S]+<!-- \/figures:bench -->/,
    );
    expect(page("docs/reliability.md")).toMatch(
      /<!-- figures:reliability -->\nLatest run: [\s\S]+\/figures:reliability/,
    );
    const usage = sources.bench.figures.filter((figure) => figure.case === "usage-summary");
    expect(usage.length).toBeGreaterThan(0);
    for (const { name } of usage) expect(page("docs/benchmarks.md")).toContain(`| usage-summary            | ${name}`);
    const routes = sources.reliability.figures.find((figure) => figure.check === "fuzz: every route")!.tried;
    expect(page("docs/reliability.md")).toContain(routes);
  });

  it("rewrites a stale table and a stale figure in prose, and leaves the rest alone", () => {
    const stale =
      "Before.\n<!-- figures:reliability -->\n| made up | 61078 |\n<!-- /figures:reliability -->\n" +
      "The scan takes <!-- figure:bench count :: GET /versions at 100,000 registrations (median of 3) -->2.2 s" +
      "<!-- /figure --> here.\nAfter.";
    const rendered = renderFigures(stale, sources);
    const versions = sources.bench.figures.find((figure) => figure.name.startsWith("GET /versions at 100,000"))!;
    expect(rendered).toContain(`-->${versions.value.toLocaleString("en-US")} ${versions.unit}<!-- /figure --> here.`);
    expect(rendered).not.toContain("61078 |");
    expect(rendered).toContain(`${sources.reliability.seconds} s in all`);
    expect(rendered.startsWith("Before.\n") && rendered.endsWith("\nAfter.")).toBe(true);
    expect(renderFigures(rendered, sources)).toBe(rendered);
  });

  it("fails on a figure the results do not have, rather than keeping an old one", () => {
    expect(() => renderFigures("<!-- figure:bench count :: no such figure -->1 ms<!-- /figure -->", sources)).toThrow(
      /no figure "no such figure"/,
    );
  });
});
