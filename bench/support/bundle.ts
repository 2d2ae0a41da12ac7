import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { lambdaRuntime, nodejsBundling } from "@oemr-reg/core/resources";
import { type BuildOptions, build, type Metafile, type Plugin } from "esbuild";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const HERE = fileURLToPath(new URL(".", import.meta.url));

/** SST 4.17's `targetMap` (pkg/runtime/node/build.go): a language level per runtime, no `nodeNN`. */
const ES_TARGETS = { "nodejs24.x": "es2024" } as const;

export type Bundle = {
  /** The entry, `bundle.mjs`, which Lambda imports. */
  file: string;
  /** Every chunk of the bundle (the entry included) and its size in bytes; source maps excluded. */
  chunks: Record<string, number>;
  /** Every source file esbuild read, relative to the root. */
  inputs: string[];
  /** esbuild's account of the build: each output's inputs and their bytes in it, and its imports. */
  metafile: Metafile;
};

/**
 * Bundles one handler as SST 4.17 does for a `nodejs24.x` function in ESM (pkg/runtime/node/build.go)
 * with the options infra gives every function (`nodejsBundling`): bundle for the node platform,
 * module/main fields, names kept, linked source map, the banner that gives ESM `require`,
 * `__filename` and `__dirname`, the ES target SST maps the runtime to (`ES_TARGETS`), and,
 * as `nodejsBundling` says, minified, split into an entry `bundle.mjs` and its chunks, and with
 * its esbuild plugins. A `floor` (issue #26: the SDK's defaults) is bundled without those plugins,
 * as SST bundles a function that sets none: they are the handlers' levers, not the SDK's defaults.
 */
export async function bundleHandler(entry: string, outDir: string, { floor = false } = {}): Promise<Bundle> {
  const { minify, splitting, plugins } = nodejsBundling;
  const output: BuildOptions = splitting
    ? { splitting, outdir: outDir, entryNames: "bundle", outExtension: { ".js": ".mjs" } }
    : { outfile: join(outDir, "bundle.mjs") };
  const { metafile } = await build({
    metafile: true,
    entryPoints: [resolve(ROOT, entry)],
    ...output,
    bundle: true,
    platform: "node",
    format: "esm",
    target: ES_TARGETS[lambdaRuntime.name],
    mainFields: ["module", "main"],
    external: ["sharp", "pg-native"],
    keepNames: true,
    minifyWhitespace: minify,
    minifySyntax: minify,
    minifyIdentifiers: minify,
    sourcemap: "linked",
    plugins: floor ? [] : ((await import(pathUrl(resolve(ROOT, plugins)))) as { default: Plugin[] }).default,
    logLevel: "error",
    banner: {
      js: [
        `import { createRequire as topLevelCreateRequire } from 'module';`,
        `const require = topLevelCreateRequire(import.meta.url);`,
        `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
        `const __filename = topLevelFileUrlToPath(import.meta.url)`,
        `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
      ].join("\n"),
    },
  });
  const chunks = Object.fromEntries(
    readdirSync(outDir)
      .filter((name) => name.endsWith(".mjs"))
      .map((name) => [join(outDir, name), statSync(join(outDir, name)).size]),
  );
  return { file: join(outDir, "bundle.mjs"), chunks, inputs: Object.keys(metafile!.inputs), metafile: metafile! };
}

export type InvocationReport = {
  firstAnswerMs: number;
  importMs: number;
  totalMs: number;
  /** User and system CPU time over the events after the first (a warm instance's). */
  warmCpuMs: number;
  maxRssBytes: number;
  responses: unknown[];
  /** With `recordLoads`: every file the process imported, the bundle's chunks among them. */
  loadedFiles?: string[];
  /** With `recordLoads`: every AWS call the process made, as `<service>.<operation>`, in order. */
  awsCalls?: string[];
};

/**
 * Runs a bundle in a fresh Node process (no tsx, nothing preloaded but the `.localhost` resolver)
 * with these events, one invocation after another, and returns the child's report. `recordLoads`
 * also lists the files it imported and the AWS calls it made, through hooks that slow it: not for a
 * timed run.
 */
export async function invokeBundle(
  file: string,
  events: unknown[],
  {
    env,
    timeoutSeconds = 60,
    logFile,
    recordLoads = false,
  }: { env: NodeJS.ProcessEnv; timeoutSeconds?: number; logFile?: string; recordLoads?: boolean },
): Promise<InvocationReport> {
  const eventsFile = `${file}.events-${crypto.randomUUID()}.json`;
  writeFileSync(eventsFile, JSON.stringify(events));
  const loadsFile = `${file}.loads-${crypto.randomUUID()}.txt`;
  const callsFile = `${file}.calls-${crypto.randomUUID()}.txt`;
  const recorders = recordLoads ? ["record-loads.mjs", "record-calls.mjs"] : [];
  const preload = ["localhost-dns.mjs", ...recorders].flatMap((name) => ["--import", pathUrl(join(HERE, name))]);
  const child = spawn(process.execPath, [...preload, await runner(), file, eventsFile, String(timeoutSeconds)], {
    env: { ...childEnv(env), ...(recordLoads && { RECORD_LOADS_TO: loadsFile, RECORD_CALLS_TO: callsFile }) },
    stdio: ["ignore", "pipe", "pipe", "pipe"],
  });
  let log = "";
  child.stdout!.on("data", (chunk) => (log += chunk));
  child.stderr!.on("data", (chunk) => (log += chunk));
  let reported = "";
  (child.stdio[3] as NodeJS.ReadableStream).on("data", (chunk) => (reported += chunk));
  return new Promise((resolvePromise, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      if (logFile) writeFileSync(logFile, log, { flag: "a" });
      if (code !== 0 || !reported) return reject(new Error(`${file} exited ${code}:\n${log.slice(-4000)}`));
      const report = JSON.parse(reported) as InvocationReport;
      if (recordLoads) {
        report.loadedFiles = linesOf(loadsFile);
        report.awsCalls = linesOf(callsFile);
      }
      resolvePromise(report);
    });
  });
}

let built: Promise<string> | undefined;

/**
 * `invoke-bundle.ts` built into one plain ES module (it imports the local runner's Lambda context,
 * which is TypeScript), once per process, in a folder removed when the process exits.
 */
function runner(): Promise<string> {
  built ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "oemr-bench-runner-"));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    const outfile = join(dir, "invoke-bundle.mjs");
    await build({
      entryPoints: [join(HERE, "invoke-bundle.ts")],
      outfile,
      bundle: true,
      platform: "node",
      format: "esm",
      target: `node${lambdaRuntime.nodeMajor}`,
      logLevel: "error",
    });
    return outfile;
  })();
  return built;
}

/** The case's environment (emulator endpoints, `SST_RESOURCE_*`) without this process's loader. */
function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _options, ...rest } = env;
  return Object.fromEntries(Object.entries(rest).filter(([name]) => !name.startsWith("TSX"))) as NodeJS.ProcessEnv;
}

const linesOf = (path: string) => (existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean) : []);
const pathUrl = (path: string) => new URL(`file://${path}`).href;
