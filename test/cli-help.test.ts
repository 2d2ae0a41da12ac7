import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { app } from "@oemr-reg/functions/api";
import { describe, expect, it } from "vitest";
import { CLI } from "../packages/cli/src/spec.ts";
import { BACKFILL, REDRIVE } from "../packages/local/src/script-specs.ts";
import { runCli } from "./support/cli.ts";
import { serveForFile } from "./support/serve.ts";

const npmRun = (script: string) => [process.execPath, "--import", "tsx", `packages/local/src/${script}-main.ts`];

describe("oemr-reg as a terminal user expects", () => {
  it("prints each command's help with its options and an example, exit 0", async () => {
    for (const [name, command] of Object.entries(CLI.commands!)) {
      const run = await runCli([name, "--help"]);
      expect(run.code, name).toBe(0);
      expect(run.stdout).toContain(`Usage: oemr-reg ${name}`);
      for (const option of [...command.options, ...CLI.common]) expect(run.stdout, name).toContain(`--${option}`);
      expect(run.stdout).toContain(`Examples:\n  ${command.examples[0]}`);
    }
    const general = await runCli(["--help"]);
    expect(general.code).toBe(0);
    for (const name of Object.keys(CLI.commands!)) expect(general.stdout).toMatch(new RegExp(`^  ${name} `, "m"));
  });

  it("answers an unknown option or command in one line naming it and the help to read, exit 2", async () => {
    const cases = {
      "count --nope": "Unknown option --nope. Run oemr-reg count --help.\n",
      cuont: 'Unknown command "cuont". Run oemr-reg --help.\n',
      "count --once": "--once does not apply to count. Run oemr-reg count --help.\n",
      "status --interval": "--interval needs a value. Run oemr-reg status --help.\n",
    };
    for (const [args, stderr] of Object.entries(cases)) {
      const run = await runCli(args.split(" "));
      expect({ args, code: run.code, stderr: run.stderr, stdout: run.stdout }).toEqual({
        args,
        code: 2,
        stderr,
        stdout: "",
      });
    }
    // Nothing asked: the help, and the usage status for a script that forgot its command.
    const bare = await runCli([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toContain("Usage: oemr-reg <command> [options]");
  });

  it("finds the npm start running in this checkout when no URL is given", async () => {
    const base = await serveForFile(app);
    const dataDir = mkdtempSync(join(tmpdir(), "oemr-reg-running-"));
    // As the runner writes it: its API and its pid (this live process stands in for it).
    writeFileSync(join(dataDir, "running.json"), JSON.stringify({ apiUrl: base, pid: process.pid }));
    const run = await runCli(["count", "--json"], { DATA_DIR: dataDir, OEMR_REG_URL: "" });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const counts = await (await fetch(`${base}/api/registration/unique`)).json();
    expect(JSON.parse(run.stdout)).toEqual(counts);
  });
});

describe("npm run redrive and npm run backfill-counters", () => {
  for (const [script, spec] of [
    ["redrive", REDRIVE],
    ["backfill-counters", BACKFILL],
  ] as const) {
    it(`${script}: --help prints its options and an example; an unknown option exits 2 naming it`, async () => {
      const help = await runCli(["--help"], {}, npmRun(script));
      expect(help.code).toBe(0);
      for (const option of Object.keys(spec.options)) expect(help.stdout).toContain(`--${option}`);
      expect(help.stdout).toContain(`Examples:\n  ${spec.examples![0]}`);
      const unknown = await runCli(["--nope"], {}, npmRun(script));
      expect(unknown).toEqual({
        code: 2,
        stdout: "",
        stderr: `Unknown option --nope. Run npm run ${script} -- --help.\n`,
      });
    });
  }
});
