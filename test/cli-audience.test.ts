import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { app } from "@oemr-reg/functions/api";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { runCli } from "./support/cli.ts";
import { openEmrRegisters as openEmrPosts } from "./support/openemr.ts";
import { postJson, serveForFile, uniqueEmail } from "./support/serve.ts";
import { emailsWithSubject, runStackConsumers } from "./support/stack.ts";

// oemr-reg broadcast --below-version / --distribution, run as a script runs it, against this file's
// own stack (its registrations only, so every count is exact).
const base = await serveForFile(app);
await runStackConsumers();
const PIN = Resource.SecretPin.value;
const work = mkdtempSync(join(tmpdir(), "oemr-reg-cli-audience-"));
writeFileSync(join(work, "notice.md"), "Upgrade now.");

async function openEmrRegisters(fields: Record<string, string>): Promise<void> {
  expect((await openEmrPosts(base, fields)).status).toBe(201);
}

const [old, dev, patched, ancient, noVersion] = ["old", "dev", "patched", "ancient", "noversion"].map(uniqueEmail);
await openEmrRegisters({ email: old!, version: "7.0.2", distribution: "docker" });
await openEmrRegisters({ email: dev!, version: "7.0.3-dev", distribution: "docker" });
await openEmrRegisters({ email: patched!, version: "7.0.3 (4)", distribution: "docker" });
await openEmrRegisters({ email: ancient!, version: "6.1.0", distribution: "aws-standard" });
expect((await postJson(`${base}/api/registration`, { email: noVersion, distribution: "docker" })).status).toBe(201);

const cli = (args: string[]) => runCli(args, { OEMR_REG_URL: base, OEMR_REG_PIN: PIN });

const broadcastArgs = (title: string) => [
  "broadcast",
  "--title",
  title,
  "--file",
  join(work, "notice.md"),
  "--preview-html",
  join(work, `${crypto.randomUUID()}.html`),
  "--yes",
  "--interval",
  "0.3",
];

describe("oemr-reg broadcast --no-archive", () => {
  it("sends it and keeps it out of the public archive, saying so before it asks", async () => {
    const title = `CLI not archived ${crypto.randomUUID()}`;
    const run = await cli([...broadcastArgs(title), "--json", "--no-archive"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("It will not be in the public archive.");
    const { broadcastId } = JSON.parse(run.stdout.split("\n")[0]!) as { broadcastId: string };
    expect(JSON.parse(run.stdout.trim().split("\n").at(-1)!)).toMatchObject({ status: "done" });
    expect((await fetch(`${base}/announcements/${broadcastId}`)).status).toBe(404);
    expect(await (await fetch(`${base}/announcements`)).text()).not.toContain(broadcastId);
    // Its footer points at no archive page, though it gives the key as every email does.
    const sent = await emailsWithSubject(title);
    expect(sent.length).toBeGreaterThan(0);
    for (const email of sent) {
      expect(`${email.body.text}${email.body.html}`).not.toContain(`/announcements/${broadcastId}`);
      expect(email.body.text).toContain("/announcements/key.asc");
    }
  });
});

describe("oemr-reg broadcast to an audience", () => {
  it("says the audience and its reach, then sends to it alone, once each", async () => {
    const title = `CLI below 7.0.3 ${crypto.randomUUID()}`;
    const run = await cli([...broadcastArgs(title), "--below-version", "7.0.3", "--distribution", "docker"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "It will be sent to 2 of 5 active subscribers (below OpenEMR 7.0.3, distribution docker; " +
        "1 with no known version left out, since nobody can tell)",
    );
    const to = (await emailsWithSubject(title)).map((email) => email.destination.to[0]!.toLowerCase());
    expect(to.sort()).toEqual([old!, dev!].sort());
  });

  it("--json: the broadcast's audience and recipients first, the progress last", async () => {
    const title = `CLI distributions ${crypto.randomUUID()}`;
    const run = await cli([...broadcastArgs(title), "--json", "--distribution", "aws-standard,docker"]);
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines[0]).toMatchObject({
      audience: { distributions: ["aws-standard", "docker"] },
      activeSubscribers: 5,
      recipients: 5,
    });
    expect(lines.at(-1)).toMatchObject({ status: "done", recipients: 5, sent: 5 });
    expect(run.stderr).toContain("It will be sent to 5 of 5 active subscribers (distribution aws-standard or docker)");
  });

  it("refuses a version OpenEMR does not write, and the flags on another command", async () => {
    const bad = await cli([...broadcastArgs("Never"), "--below-version", "latest"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--below-version must be an OpenEMR version");
    const elsewhere = await cli(["count", "--below-version", "7.0.3"]);
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toContain("--below-version does not apply to count");
  });
});
