import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// The house rules of issue #16, kept: what a reviewer would otherwise have to notice.
const tracked = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { encoding: "utf8" })
  .split("\n")
  .filter((path) => /\.(ts|mjs)$/.test(path) && !path.includes("node_modules"));
const sources = tracked.filter((path) => /^packages\/[^/]+\/src\//.test(path) && !path.endsWith(".test.ts"));
const KEYS_FILE = "packages/core/src/state/keys.ts";

describe("the house", () => {
  it("keeps every source file of packages/*/src at 250 lines or fewer", () => {
    const long = sources
      .map((path) => [path, readFileSync(path, "utf8").split("\n").length - 1] as const)
      .filter(([, lines]) => lines > 250);
    expect(long).toEqual([]);
  });

  it("has no line over 120 characters in code, tests, scripts or configuration", () => {
    const checked = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
      encoding: "utf8",
    })
      .split("\n")
      .filter(
        (path) => /\.(ts|mjs|js|json|java)$/.test(path) && !/package-lock|results[^/]*\.json|fixtures\//.test(path),
      );
    const long = checked.flatMap((path) =>
      readFileSync(path, "utf8")
        .split("\n")
        .flatMap((line, index) => ([...line].length > 120 ? [`${path}:${index + 1}`] : [])),
    );
    expect(long).toEqual([]);
  });

  it("checks the answers of every test that asks the app or the API's handler itself against the document", () => {
    // serveForFile checks what a server answers; checkedForFile what app.request does, and
    // checkedHandlerForFile what the API's Lambda handler does (issue #27).
    // The suites under test/ ask the service's apps; unit tests in packages/*/src ask apps of their
    // own making, which the document does not describe. The reliability suite sends hostile
    // requests with a setup of its own, and is left out.
    const tests = tracked.filter((path) => /^test\/[^/]+\.test\.ts$/.test(path));
    const unchecked = tests.filter((path) => {
      const text = readFileSync(path, "utf8");
      const asksApp = /[\w)]\.request\(/.test(text) && !text.includes("checkedForFile(");
      // The API's Lambda handler, invoked with API Gateway's events: checkedHandlerForFile.
      const invokesApi =
        /\bhandler\b[^;]*from "@oemr-reg\/functions\/api"|import\("@oemr-reg\/functions\/api"\)\)?\.handler/.test(text);
      return asksApp || (invokesApi && !text.includes("checkedHandlerForFile("));
    });
    expect(unchecked).toEqual([]);
  });

  it("writes each State key prefix in state/keys.ts alone", () => {
    const keys = readFileSync(KEYS_FILE, "utf8");
    // Every prefix keys.ts builds a key from: the literal text before a `#` in its strings.
    const prefixes = [...new Set([...keys.matchAll(/[`"]([a-z]+)#/g)].map(([, prefix]) => `${prefix}#`))];
    expect(prefixes.length).toBeGreaterThanOrEqual(10);
    const elsewhere = tracked
      .filter((path) => path !== KEYS_FILE)
      .flatMap((path) => {
        const text = readFileSync(path, "utf8");
        return prefixes
          .filter((prefix) => new RegExp(`[\`"']${prefix}`).test(text))
          .map((prefix) => `${path}: ${prefix}`);
      });
    expect(elsewhere).toEqual([]);
  });
});
