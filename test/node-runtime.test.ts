import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { lambdaRuntime } from "@oemr-reg/core/resources";
import { wrongNode } from "@oemr-reg/local/node-runtime";
import { freePortBlock } from "@oemr-reg/local/ports";
import semver from "semver";
import { describe, expect, it } from "vitest";
import { runCli } from "./support/cli.ts";

const manifest = JSON.parse(readFileSync("package.json", "utf8")) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
};
const lock = JSON.parse(readFileSync("package-lock.json", "utf8")) as {
  packages: Record<string, { engines?: { node?: string } | string[] }>;
};
const major = (version: string) => Number(version.replace(/^v/, "").split(".")[0]);

// The machine's own Node, put first on the PATH, as a shell on this machine has it: npm must still
// run scripts and `npx` on the project's Node.
const SYSTEM_NODE = "/usr/bin/node";
const systemMajor = existsSync(SYSTEM_NODE)
  ? major(execFileSync(SYSTEM_NODE, ["-p", "process.versions.node"], { encoding: "utf8" }))
  : undefined;
const systemFirst = { PATH: ["/usr/local/bin", "/usr/bin", "/bin", process.env.PATH].join(":") };

describe("Node 24 everywhere", () => {
  it("runs this test on the functions' Node", () => {
    expect(lambdaRuntime.name).toBe("nodejs24.x");
    expect(major(process.versions.node)).toBe(24);
  });

  it("names one major version in the runtime, engines, .nvmrc, .node-version and the node devDependency", () => {
    expect(readFileSync(".nvmrc", "utf8").trim()).toBe(String(lambdaRuntime.nodeMajor));
    expect(readFileSync(".node-version", "utf8").trim()).toBe(String(lambdaRuntime.nodeMajor));
    expect(major(manifest.devDependencies.node!)).toBe(lambdaRuntime.nodeMajor);
    expect(semver.satisfies(manifest.devDependencies.node!, manifest.engines.node)).toBe(true);
    expect(semver.satisfies("25.0.0", manifest.engines.node)).toBe(false);
    expect(semver.satisfies("22.22.0", manifest.engines.node)).toBe(false);
  });

  it("gives npm scripts and npx the project's Node when the machine's comes first on the PATH", () => {
    const viaNpm = execFileSync("npm", ["exec", "--no", "--", "node", "-p", "process.versions.node"], {
      env: { ...process.env, ...systemFirst },
      encoding: "utf8",
    });
    expect(major(viaNpm.trim())).toBe(lambdaRuntime.nodeMajor);
    // Every script that starts a process starts it with `node` or a bin whose shebang finds `node`.
    for (const [name, script] of Object.entries(manifest.scripts)) {
      expect(script, name).not.toMatch(/\/usr\/bin\/node|\bnodejs\b/);
    }
  });

  it("runs `npx oemr-reg` on the project's Node", async () => {
    const npx = dirname(execFileSync("sh", ["-c", "command -v npx"], { encoding: "utf8" }).trim());
    const run = await runCli(["--version"], systemFirst, [`${npx}/npx`, "--no", "--", "oemr-reg"]);
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(new RegExp(`^oemr-reg \\S+ on Node ${lambdaRuntime.nodeMajor}\\.\\d+\\.\\d+\\n$`));
  });

  it("installs only packages whose engines accept this Node (no EBADENGINE)", () => {
    const ranges = Object.entries(lock.packages).flatMap(([path, { engines }]) =>
      engines && !Array.isArray(engines) && engines.node ? [[path, engines.node] as const] : [],
    );
    expect(ranges.length).toBeGreaterThan(100);
    const refused = ranges.filter(([, range]) => !semver.satisfies(process.version, range));
    expect(refused).toEqual([]);
  });

  it("refuses to start the stack on another Node, saying how to run it", () => {
    expect(wrongNode(process.versions.node)).toBeUndefined();
    const refusal = wrongNode("20.20.2");
    expect(refusal).toContain("This is Node 20.20.2; the functions run on Node 24 (nodejs24.x)");
    expect(refusal).toContain("node_modules/.bin/node");
    expect(wrongNode("22.22.0")).toContain("Node 22.22.0");
  });

  // Only where the machine's own Node is another version (this kind of machine: Node 20).
  it.runIf(systemMajor !== undefined && systemMajor !== lambdaRuntime.nodeMajor)(
    "stops `npm start` run by the machine's own Node before it starts anything",
    async () => {
      const run = spawnSync(SYSTEM_NODE, ["--import", "tsx", "packages/local/src/main.ts"], {
        env: { ...process.env, PORT: String(await freePortBlock()), DATA_DIR: mkdtempSync(join(tmpdir(), "oemr-")) },
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`This is Node ${systemMajor}.`);
      expect(run.stderr).toContain("Run it through npm (npm start, npm test, npm run bench)");
    },
  );
});
