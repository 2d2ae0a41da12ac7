import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { consoleScriptModule, MODULE } from "../scripts/console-script.ts";

describe("the console's passkey script", () => {
  it("is committed as built from its source: run `npm run build:console-script` when this fails", async () => {
    expect(readFileSync(MODULE, "utf8")).toBe(await consoleScriptModule());
  });
});
