// The SDK's HTTP handler imports `node:http` as an ES module on its first request, and Node 24
// then loads undici (about 25 ms) though nothing calls fetch; the bundles' plugin makes that
// import a CommonJS require (packages/functions/bundle-plugins.mjs). Both bundles are made as
// the bench makes them: with the plugins, and without, as a floor is.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { bundleHandler } from "../bench/support/bundle.ts";

const out = mkdtempSync(join(tmpdir(), "oemr-bundled-http-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

async function loadsUndici(floor: boolean): Promise<boolean> {
  const dir = join(out, floor ? "floor" : "plugins");
  mkdirSync(dir);
  const { file } = await bundleHandler("test/fixtures/first-aws-request.ts", dir, { floor });
  // A process of its own, with nothing loaded before the bundle.
  const script = `const { firstRequestLoadsUndici } = await import(${JSON.stringify(pathToFileURL(file).href)});
    console.log(await firstRequestLoadsUndici());`;
  return JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" }));
}

describe("node:http in a bundle", () => {
  it("is required as CommonJS, so a first AWS request does not load undici", async () => {
    expect(await loadsUndici(false)).toBe(false);
  });

  it("loads undici at the first AWS request when imported as an ES module (a floor's bundle)", async () => {
    expect(await loadsUndici(true)).toBe(true);
  });
});
