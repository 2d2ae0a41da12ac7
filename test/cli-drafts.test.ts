import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAuditLog } from "@oemr-reg/core/audit";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { app } from "@oemr-reg/functions/api";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { runCli } from "./support/cli.ts";
import { memberWithToken } from "./support/member-session.ts";
import { passkeyApprovers } from "./support/passkey-approver.ts";
import { serveForFile } from "./support/serve.ts";

const base = await serveForFile(app);
const db = createDocumentClient();
const stateTable = Resource.State.name;
const audit = createAuditLog({ db, stateTable, retentionDays: 730 });
const home = mkdtempSync(join(tmpdir(), "oemr-reg-drafts-"));

const approvers = await passkeyApprovers(base);
const benMember = await approvers.withPasskey("Ben", ["approve"]);
const [ada, ben] = [(await memberWithToken("Ada", ["compose", "approve"])).token, benMember.token];
const as = (token: string, ...args: string[]) =>
  runCli(["draft", ...args], { OEMR_REG_URL: base, OEMR_REG_TOKEN: token, XDG_CONFIG_HOME: home });
const file = join(home, "notice.md");
writeFileSync(file, "# Patch now\n\nUpgrade.");

describe("oemr-reg draft", () => {
  it("creates, edits, lists, asks approval; approve points to the console, where a passkey approves", async () => {
    const created = await as(ada, "create", "--title", "CLI notice", "--file", file, "--json");
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    const { draftId } = JSON.parse(created.stdout) as { draftId: string };
    const edited = await as(ada, "edit", draftId, "--title", "CLI notice, edited", "--file", file);
    expect(edited.stdout).toMatch(new RegExp(`^Saved draft ${draftId}: "CLI notice, edited" is draft`));
    expect((await as(ada, "list")).stdout).toContain(draftId);
    expect((await as(ada, "request-approval", draftId)).stdout).toContain("is pending");
    // A terminal has no passkey: the token approves nothing, and the CLI says where to approve.
    const pointed = await as(ben, "approve", draftId);
    expect([pointed.code, pointed.stdout]).toEqual([1, ""]);
    expect(pointed.stderr).toMatch(/^Not approved: approving takes your passkey/);
    expect(pointed.stderr).toContain(`is pending (hash `);
    expect(pointed.stderr).toContain(`\n  ${base}/console/drafts/${draftId}\n`);
    expect((await as(ben, "show", draftId)).stdout).toContain("is pending");
    expect((await approvers.approve(benMember, draftId)).status).toBe(200);
    expect((await as(ben, "show", draftId)).stdout).toContain("is started");
    expect((await as(ada, "delete", draftId)).code).toBe(1);
    const actions = (await audit.all()).filter((record) => record.object === draftId).map(({ action }) => action);
    expect(actions).toEqual(["draft.saved", "draft.saved", "draft.approval-requested", "draft.approved"]);
  });

  it("schedules, tests, cancels and deletes; a wrong subcommand is a usage error", async () => {
    const { draftId } = JSON.parse((await as(ada, "create", "--title", "Later", "--file", file, "--json")).stdout);
    const at = new Date(Date.now() + 86_400_000).toISOString();
    expect((await as(ada, "schedule", draftId, "--at", at)).stdout).toContain(`embargoed until ${at}`);
    const tested = await as(ada, "test", draftId, "--json");
    expect(JSON.parse(tested.stdout)).toMatchObject({ sent: 1 });
    expect((await as(ben, "cancel", draftId)).stdout).toContain("is cancelled");
    expect((await as(ada, "delete", draftId)).stdout).toBe(`Deleted draft ${draftId}.\n`);
    expect((await as(ada, "show", draftId)).code).toBe(9);
    expect((await as(ada, "frobnicate")).code).toBe(2);
  });
});
