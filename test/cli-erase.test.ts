import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { createDynamoRegistrationStore } from "@oemr-reg/core/registration";
import { app } from "@oemr-reg/functions/api";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { runCli } from "./support/cli.ts";
import { postForm, serveForFile, uniqueEmail } from "./support/serve.ts";

const base = await serveForFile(app);
const store = createDynamoRegistrationStore({
  db: createDocumentClient(),
  registrationsTable: Resource.Registrations.name,
  stateTable: Resource.State.name,
});
const env = { OEMR_REG_URL: base, OEMR_REG_PIN: Resource.SecretPin.value };

describe("oemr-reg erase", { timeout: 30_000 }, () => {
  it("erases an address with the PIN, then says it is not registered; the counts follow", async () => {
    const email = uniqueEmail("Erase-Me");
    expect((await postForm(`${base}/api/registration`, { email })).status).toBe(201);
    const before = (await (await fetch(`${base}/api/registration/unique`)).json()) as { count: number; active: number };
    const run = await runCli(["erase", email, "--yes", "--reason", "a letter of 2026-12-06", "--json"], env);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ erased: true, deleted: 0, left: 0 });
    expect(await store.get(email.toLowerCase())).toBeUndefined();
    expect(await (await fetch(`${base}/api/registration/unique`)).json()).toEqual({
      count: before.count - 1,
      active: before.active - 1,
    });
    const again = await runCli(["erase", email, "--yes"], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^Not registered \(erased before, or never\)/);
  });

  it("refuses a wrong PIN, a bad address and a missing --yes without a terminal", async () => {
    const email = uniqueEmail("kept");
    expect((await postForm(`${base}/api/registration`, { email })).status).toBe(201);
    expect((await runCli(["erase", email, "--yes"], { ...env, OEMR_REG_PIN: "wrong" })).code).toBe(3);
    expect((await runCli(["erase", "not-an-address", "--yes"], env)).code).toBe(2);
    expect((await runCli(["erase", email], env)).code).toBe(1);
    expect((await store.get(email.toLowerCase()))?.status).toBe("active");
  });
});
