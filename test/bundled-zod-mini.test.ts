// Cold starts parse with zod/mini, which loads no locale by itself: packages/core/src/zod-mini.ts
// sets English. Core's package.json says it has no side effects but that module, so that a bundle
// keeps it (and its locale) and a parse failure reads as it does in the tests, which run unbundled:
// here a registration's, whose messages the API answers.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { RegistrationRequest } from "@oemr-reg/core/registration/request";
import { afterAll, describe, expect, it } from "vitest";
import { bundleHandler } from "../bench/support/bundle.ts";

const out = mkdtempSync(join(tmpdir(), "oemr-bundled-zod-mini-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const bundle = await bundleHandler("packages/core/src/registration/request.ts", out);

describe("zod/mini bundled", () => {
  it("fails a parse in English, as unbundled", () => {
    const input = { email: "admin@example.org", version: 7 };
    // A process of its own: zod keeps its configuration global, and this one has the unbundled module's.
    const script = `const { RegistrationRequest } = await import(${JSON.stringify(pathToFileURL(bundle.file).href)});
      console.log(JSON.stringify(RegistrationRequest.safeParse(${JSON.stringify(input)}).error.issues));`;
    const issues = JSON.parse(
      execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" }),
    );
    expect(issues.map((issue: { message: string }) => issue.message)).toEqual([
      "Invalid input: expected string, received number",
    ]);
    expect(issues).toEqual(RegistrationRequest.safeParse(input).error?.issues);
  });
});
