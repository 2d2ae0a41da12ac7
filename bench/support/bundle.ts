import { spawn } from "node:child_process";
import { statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const HERE = fileURLToPath(new URL(".", import.meta.url));

/**
 * Bundles one handler as SST does for a `nodejs22.x` function in ESM (pkg/runtime/node/build.go):
 * bundle for the node platform, module/main fields, names kept, linked source map, the banner that
 * gives ESM `require`, `__filename` and `__dirname`, minified for a deploy; target node22 as the
 * issue asks (SST's own default for nodejs22.x is es2023). Returns the bundle's path and size.
 */
export async function bundleHandler(entry: string, outDir: string): Promise<{ file: string; bytes: number }> {
  const file = join(outDir, "bundle.mjs");
  await build({
    entryPoints: [resolve(ROOT, entry)],
    outfile: file,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    mainFields: ["module", "main"],
    external: ["sharp", "pg-native"],
    keepNames: true,
    minify: true,
    sourcemap: "linked",
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
  return { file, bytes: statSync(file).size };
}

export type InvocationReport = {
  firstAnswerMs: number;
  importMs: number;
  totalMs: number;
  maxRssBytes: number;
  responses: unknown[];
};

/**
 * Runs a bundle in a fresh Node process (no tsx, nothing preloaded but the `.localhost` resolver)
 * with these events, one invocation after another, and returns the child's report.
 */
export function invokeBundle(
  file: string,
  events: unknown[],
  { env, timeoutSeconds = 60, logFile }: { env: NodeJS.ProcessEnv; timeoutSeconds?: number; logFile?: string },
): Promise<InvocationReport> {
  const eventsFile = `${file}.events-${crypto.randomUUID()}.json`;
  writeFileSync(eventsFile, JSON.stringify(events));
  const child = spawn(
    process.execPath,
    ["--import", pathUrl(join(HERE, "localhost-dns.mjs")), join(HERE, "invoke-bundle.mjs"), file, eventsFile, String(timeoutSeconds)],
    { env: childEnv(env), stdio: ["ignore", "pipe", "pipe", "pipe"] },
  );
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
      resolvePromise(JSON.parse(reported) as InvocationReport);
    });
  });
}

/** The case's environment (emulator endpoints, `SST_RESOURCE_*`) without this process's loader. */
function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _options, ...rest } = env;
  return Object.fromEntries(Object.entries(rest).filter(([name]) => !name.startsWith("TSX"))) as NodeJS.ProcessEnv;
}

const pathUrl = (path: string) => new URL(`file://${path}`).href;
