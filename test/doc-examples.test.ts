import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { app } from "@oemr-reg/functions/api";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { runCli } from "./support/cli.ts";
import { type Example, exampleBlocks, matchesShown } from "./support/doc-examples.ts";
import { gnupgHome } from "./support/pgp.ts";
import { serveForFile } from "./support/serve.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const blocks = exampleBlocks();
const scripts = (JSON.parse(readFileSync(new URL("package.json", `file://${ROOT}`), "utf8")) as { scripts: object })
  .scripts;
const base = await serveForFile(app);
const PIN = Resource.SecretPin.value;
// The gpg examples import keys: into a GnuPG home of this file's, never the user's.
const { home: GNUPGHOME } = gnupgHome();

/**
 * Runs a doc's command in bash, with this file's stack in place of npm start's port and in
 * `OEMR_REG_URL` (for the CLI), `$PIN` and `OEMR_REG_PIN` set, and a GnuPG home of its own.
 */
async function run({ command }: Example): Promise<{ code: number; output: string }> {
  const script = command.replaceAll("http://localhost:3000", base);
  try {
    const { stdout } = await promisify(execFile)("bash", ["-c", script], {
      cwd: ROOT,
      env: {
        ...process.env,
        PIN,
        OEMR_REG_URL: base,
        OEMR_REG_PIN: PIN,
        GNUPGHOME,
        PATH: `${ROOT}node_modules/.bin:${process.env.PATH}`,
      },
    });
    return { code: 0, output: stdout };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, output: `${stdout}${stderr}` };
  }
}

/** The project commands in an example that is not run: `npx oemr-reg <command>`, `npm run <script>`. */
function projectCommands(command: string): { cli: string[]; npm: string[] } {
  const cli = [...command.matchAll(/(?:^|\s)npx oemr-reg (\w+)/g)].map((match) => match[1]!);
  const npm = [...command.matchAll(/(?:^|&&\s*)npm (?:run )?([\w:-]+)/g)].map((match) => match[1]!);
  // npm's own commands, not the project's scripts.
  return { cli, npm: npm.filter((name) => name !== "install" && name !== "ci") };
}

describe("the docs' shell examples", () => {
  it("are each run here or marked as not run, with why", () => {
    const listing = blocks.flatMap((block) =>
      block.examples.map((example) => `${example.page}:${example.line} [${block.mode}] ${example.command}`),
    );
    console.log(`${listing.length} examples in ${blocks.length} blocks:\n${listing.join("\n")}`);
    expect(listing.length).toBeGreaterThan(40);
    const unmarked = blocks.filter((block) => block.mode === "unmarked").map(({ page, line }) => `${page}:${line}`);
    expect(unmarked, "put <!-- example: run --> or <!-- example: not run: why --> before them").toEqual([]);
  });

  it("run against a test stack and answer what the doc shows", { timeout: 120_000 }, async () => {
    const ran: string[] = [];
    for (const block of blocks.filter(({ mode }) => mode === "run")) {
      for (const example of block.examples) {
        const where = `${example.page}:${example.line} ${example.command}`;
        const { code, output } = await run(example);
        expect({ where, code, output }).toMatchObject({ code: 0 });
        expect(output, where).not.toMatch(/^HTTP\/1\.1 5\d\d/m);
        if (example.shown !== undefined && /^[{A-Z]/.test(example.shown))
          expect(matchesShown(example.shown, output), `${where}\nshows ${example.shown}\ngot ${output}`).toBe(true);
        ran.push(where);
      }
    }
    expect(ran.length).toBeGreaterThan(5);
  });

  it("that are not run name project commands whose --help works, or scripts that exist", {
    timeout: 120_000,
  }, async () => {
    for (const block of blocks.filter(({ mode }) => mode === "not run")) {
      for (const example of block.examples) {
        const { cli, npm } = projectCommands(example.command);
        for (const command of cli) {
          const help = await runCli([command, "--help"]);
          expect({ example: example.command, code: help.code }).toEqual({ example: example.command, code: 0 });
          expect(help.stdout).toContain(`Usage: oemr-reg ${command}`);
        }
        for (const script of npm) {
          expect(Object.keys(scripts), example.command).toContain(script);
          if (script !== "redrive" && script !== "backfill-counters") continue;
          const help = await runCli(["--help"], {}, [
            process.execPath,
            "--import",
            "tsx",
            `packages/local/src/${script}-main.ts`,
          ]);
          expect({ example: example.command, code: help.code }).toEqual({ example: example.command, code: 0 });
        }
      }
    }
  });
});
