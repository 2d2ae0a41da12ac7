import { mkdtemp, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { AuditRecord } from "@oemr-reg/core/audit";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { createMemberStore, createTokens } from "@oemr-reg/core/members";
import { auditRecordKey } from "@oemr-reg/core/state/keys";
import { app } from "@oemr-reg/functions/api";
import { Resource } from "sst";
import { describe, expect, inject, it } from "vitest";
import { runCli } from "./support/cli.ts";
import { serveForFile } from "./support/serve.ts";

const base = await serveForFile(app);
const db = createDocumentClient();
const stateTable = Resource.State.name;
const members = createMemberStore({ db, stateTable });
const tokens = createTokens({ db, stateTable, members });
// The operator's commands reach this file's tables as they reach npm start's: by DynamoDB's port.
const operatorEnv = {
  DYNAMODB_PORT: new URL(inject("endpoints").dynamodb).port,
  PUBLIC_URL: "http://localhost:3000",
  OEMR_REG_PIN: "",
};
const operator = (args: string[]) => runCli([...args, "--state-table", stateTable], operatorEnv);

describe("oemr-reg members add", () => {
  it("makes an invited member and prints its single-use invitation link", async () => {
    const run = await operator(["members", "add", "--name", "Gus", "--email", "gus@board.example", "--role", "admin"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const [, token] = /\/console\/invitation\/([A-Za-z0-9_-]+)\n/.exec(run.stdout) ?? [];
    const invitation = await members.invitation(token!);
    expect(await members.get(invitation!.memberId)).toMatchObject({ name: "Gus", roles: ["admin"], status: "invited" });
    expect(run.stdout).toContain("http://localhost:3000/console/invitation/");

    const refused = await operator(["members", "add", "--name", "Hal", "--email", "hal@board.example", "--role", "x"]);
    expect(refused.code).toBe(2);
  });
});

describe("oemr-reg members reinvite", () => {
  it("prints a new single-use link for a member who lost every passkey, and none for a revoked one", async () => {
    const { member, invitation } = await members.add({ name: "Jo", email: "jo@board.example", roles: ["compose"] });
    await members.accept(invitation.token);
    const run = await operator(["members", "reinvite", "--email", "JO@board.example"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const [, token] = /\/console\/invitation\/([A-Za-z0-9_-]+)\n/.exec(run.stdout) ?? [];
    expect(await members.invitation(token!)).toMatchObject({ memberId: member.id });
    expect(await members.accept(token!)).toBe(member.id);
    expect(await members.accept(token!)).toBeUndefined();

    await members.revoke(member.id);
    expect((await operator(["members", "reinvite", "--email", "jo@board.example"])).code).toBe(9);
    expect((await operator(["members", "reinvite", "--email", "nobody@board.example"])).code).toBe(9);
    expect((await operator(["members", "reinvite"])).code).toBe(2);
  });
});

describe("oemr-reg audit", () => {
  it("exports the log as JSON, with no full address, and verify names the first record that does not fit", async () => {
    const exported = await operator(["audit", "export", "--json"]);
    expect(exported.code).toBe(0);
    const records = JSON.parse(exported.stdout) as AuditRecord[];
    expect(records.find((record) => record.action === "member.invited")!.object).toContain("g***@board.example");
    expect(exported.stdout).not.toContain("gus@");

    expect(await operator(["audit", "verify"])).toMatchObject({ code: 0 });
    const change = (object: string | undefined) =>
      db.send(
        new UpdateCommand({
          TableName: stateTable,
          Key: auditRecordKey(records[0]!.seq),
          UpdateExpression: "SET #object = :object",
          ExpressionAttributeNames: { "#object": "object" },
          ExpressionAttributeValues: { ":object": object },
        }),
      );
    await change("someone else");
    const broken = await operator(["audit", "verify"]);
    expect(broken.code).toBe(10);
    expect(broken.stdout).toContain(`Record #${records[0]!.seq} does not fit`);
    await change(records[0]!.object);
    expect(await operator(["audit", "verify"])).toMatchObject({ code: 0 });
  });
});

describe("oemr-reg login", () => {
  it("keeps the token for the user alone, then every command sends it instead of the PIN", async () => {
    const { member, invitation } = await members.add({ name: "Ida", email: "ida@board.example", roles: ["compose"] });
    await members.accept(invitation.token);
    const { token, record } = await tokens.create(member, { name: "cli", roles: ["compose"], days: 30 });
    const home = await mkdtemp(join(tmpdir(), "oemr-reg-login-"));
    const env = { XDG_CONFIG_HOME: home, OEMR_REG_URL: base, OEMR_REG_PIN: "" };

    const signedIn = await runCli(["login"], { ...env, OEMR_REG_TOKEN: token });
    expect(signedIn.stdout).toContain("as Ida (compose)");
    expect(signedIn.code).toBe(0);
    expect((await stat(join(home, "oemr-reg", "tokens.json"))).mode & 0o777).toBe(0o600);

    // No PIN and no terminal: only the kept token can answer.
    const usage = await runCli(["usage", "--json"], env);
    expect(usage.stderr).toBe("");
    expect(usage.code).toBe(0);
    expect((await tokens.list(member.id))[0]!.lastUsedAt).toBeDefined();

    await tokens.revoke(member.id, record.tokenId);
    const refused = await runCli(["usage"], env);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain("run oemr-reg login again");
  });
});
