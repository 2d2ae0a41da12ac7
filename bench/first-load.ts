/**
 * `npm run bench:first-load -- [handler…] [--files=<package>]`: what each handler's first load
 * holds beyond its floor's, package by package, read from esbuild's metafile (issue #26). Each
 * handler and its floor (bench/fixtures/floors/) are bundled as the bundles case bundles them; the
 * first load here is the entry and every chunk it imports statically, which is what Node loads
 * before the handler runs (the bundles case also counts what the first event imports). Sizes are
 * the minified bytes each package puts in those chunks; `--files=<package>` lists that package's
 * files too. No stack needed: it only bundles.
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { Metafile } from "esbuild";
import { bundleHandler } from "./support/bundle.ts";

const HANDLERS = ["api", "fanout", "send", "ses-events", "embargo", "requeue", "source-ips", "tallies"] as const;
type Handler = (typeof HANDLERS)[number];

const args = process.argv.slice(2);
const files = args.find((arg) => arg.startsWith("--files="))?.slice("--files=".length);
const asked = args.filter((arg) => !arg.startsWith("--"));
const unknown = asked.filter((name) => !(HANDLERS as readonly string[]).includes(name));
if (unknown.length > 0) throw new Error(`no handler ${unknown.join(", ")}: one of ${HANDLERS.join(", ")}`);
const handlers = (asked.length > 0 ? asked : HANDLERS) as Handler[];

/** The package a source file comes from, or the project's own folder (`core`, `functions`). */
function ownerOf(input: string): string {
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(input);
  if (!inPackage) return input.replace(/^(?:\.\.\/)*(?:packages\/)?/, "").split("/")[0]!;
  return files && inPackage[1] === files ? `${inPackage[1]}/${inPackage[2]}` : inPackage[1]!;
}

/** Bytes per owner in the entry and the chunks it imports statically, and how many chunks. */
function firstLoad(metafile: Metafile): { chunks: number; bytes: Map<string, number> } {
  const outputs = new Map(Object.entries(metafile.outputs).map(([path, output]) => [basename(path), output]));
  const loaded = new Set<string>();
  const pending = ["bundle.mjs"];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (loaded.has(name)) continue;
    loaded.add(name);
    for (const { path, kind, external } of outputs.get(name)!.imports)
      if (kind === "import-statement" && !external) pending.push(basename(path));
  }
  const bytes = new Map<string, number>();
  for (const name of loaded)
    for (const [input, { bytesInOutput }] of Object.entries(outputs.get(name)!.inputs))
      bytes.set(ownerOf(input), (bytes.get(ownerOf(input)) ?? 0) + bytesInOutput);
  return { chunks: loaded.size, bytes };
}

const kb = (bytes: number) => (bytes / 1024).toFixed(1);
const total = (bytes: Map<string, number>) => [...bytes.values()].reduce((sum, value) => sum + value, 0);
const outRoot = mkdtempSync(join(tmpdir(), "oemr-first-load-"));
try {
  for (const name of handlers) {
    const [handler, floor] = await Promise.all(
      [`packages/functions/src/${name}.ts`, `bench/fixtures/floors/${name}.ts`].map(async (entry, i) =>
        firstLoad((await bundleHandler(entry, join(outRoot, `${name}-${i}`), { floor: i === 1 })).metafile),
      ),
    );
    const [mine, floors] = [total(handler!.bytes), total(floor!.bytes)];
    console.log(
      `\n${name}: ${kb(mine)} KB in ${handler!.chunks} chunks; its floor ${kb(floors)} KB in ${floor!.chunks};` +
        ` ${kb(mine - floors)} KB over (before chunk headers, which the bundles case counts)`,
    );
    const owners = [...handler!.bytes].sort(([, a], [, b]) => b - a);
    console.log(`${"KB".padStart(8)} ${"floor".padStart(8)}  package or folder`);
    for (const [owner, bytes] of owners)
      if (bytes >= 512 || owner.startsWith(`${files}/`))
        console.log(`${kb(bytes).padStart(8)} ${kb(floor!.bytes.get(owner) ?? 0).padStart(8)}  ${owner}`);
  }
} finally {
  rmSync(outRoot, { recursive: true, force: true });
}
