import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePortBlock } from "@oemr-reg/local/ports";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./support/cli.ts";
import { postForm, uniqueEmail } from "./support/serve.ts";

// The board's CLI as the board runs it: against `npm start`, prompts in a pseudo-terminal
// (Python's pty module, so no native build), figures with --json.

const PIN = "board-pin-11223344";
const RECIPIENTS = 30;
const work = mkdtempSync(join(tmpdir(), "oemr-reg-cli-"));
let stack: ChildProcess;
let stackExited: Promise<unknown>;
let api = "";

type Run = { code: number | null; stdout: string; stderr: string };
type Terminal = {
  screen: () => string;
  type: (keys: string) => void;
  waitFor: (text: string) => Promise<void>;
  exited: Promise<number | null>;
};

/** `oemr-reg` with plain pipes, as a script runs it. */
const cli = (args: string[], env: Record<string, string> = {}, command?: string[]): Promise<Run> =>
  runCli(args, { OEMR_REG_URL: api, ...env }, command);

/** `oemr-reg` in a pseudo-terminal: what it shows, stdout and stderr together, and keys to type. */
function terminal(args: string[], env: Record<string, string> = {}): Terminal {
  const { OEMR_REG_PIN: _, ...inherited } = process.env;
  const child = spawn(
    "python3",
    ["test/support/in-terminal.py", process.execPath, "packages/cli/bin/oemr-reg.js", ...args],
    {
      env: { ...inherited, OEMR_REG_URL: api, ...env },
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  let screen = "";
  child.stdout.on("data", (chunk: Buffer) => (screen += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  return {
    screen: () => screen,
    type: (keys) => child.stdin.write(keys),
    async waitFor(text) {
      const deadline = Date.now() + 20_000;
      while (!screen.includes(text)) {
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error(`never showed ${JSON.stringify(text)}; the screen:\n${screen}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    exited,
  };
}

beforeAll(async () => {
  const port = await freePortBlock();
  stack = spawn(process.execPath, ["--import", "tsx", "packages/local/src/main.ts"], {
    env: {
      ...process.env,
      PORT: String(port),
      DATA_DIR: join(work, "data"),
      SECRET_PIN: PIN,
      SES_SEND_RATE: "10",
      REGISTRATION_LIMIT_PER_HOUR: "100000",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  stackExited = new Promise((resolve) => stack.once("exit", resolve));
  let out = "";
  stack.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  stack.stderr!.resume();
  const deadline = Date.now() + 60_000;
  while (!out.includes("MAIL: ")) {
    if (stack.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not come up: ${out}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  api = /^API: (\S+)$/m.exec(out)![1]!;
  for (let i = 0; i < RECIPIENTS; i++)
    expect((await postForm(`${api}/api/registration`, { email: uniqueEmail("cli") })).status).toBe(201);
  writeFileSync(
    join(work, "notice.md"),
    "# Patch now\n\nOpenEMR 7.0.3.4 fixes a security issue. See <https://open-emr.org>.\n",
  );
}, 90_000);

afterAll(async () => {
  stack?.kill("SIGTERM");
  await stackExited;
});

describe("oemr-reg", { timeout: 60_000 }, () => {
  it("count --json gives the registrations and active subscribers, through npx as the README says", async () => {
    const run = await cli(["count", "--json"], {}, ["npx", "--no-install", "oemr-reg"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ count: RECIPIENTS, active: RECIPIENTS });
  });

  it("usage prints what installations reported, as tables, and as JSON with --json", async () => {
    const report = {
      usageRecords: [{ event_type: "API", event_url: "GET /apis/default/api/patient/7", count: "3" }],
      localeData: {
        reporting_date: "20261201",
        version: "7.0.3 (4)",
        environment: "Linux, 6.8.0, 8.3.9",
        location: JSON.stringify({ country: "NZ" }),
      },
    };
    const sent = await fetch(`${api}/api/usage?SiteID=${crypto.randomUUID()}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(report),
    });
    expect(sent.status).toBe(201);
    const table = await cli(["usage"], { OEMR_REG_PIN: PIN });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/Sites reporting since \d{4}-\d\d-\d\d: 1\n/);
    expect(table.stdout).toMatch(/By OpenEMR version \(sites\)\n\s+1 {2}7\.0\.3\.4\n/);
    expect(table.stdout).toMatch(/By country \(sites\)\n\s+1 {2}NZ\n/);
    expect(table.stdout).toMatch(/API calls by kind \(calls\)\n\s+3 {2}GET \/apis\/default\/api\/patient\/:id\n/);
    const json = await cli(["usage", "--json"], { OEMR_REG_PIN: PIN });
    expect(JSON.parse(json.stdout)).toMatchObject({ sites: 1, byPhp: [{ name: "8.3.9", sites: 1 }] });
  });

  it(
    "broadcast previews the email, asks for the PIN without echoing it and for confirmation, " +
      "sends, and follows it to done",
    async () => {
      const previewHtml = join(work, "preview.html");
      const title = `Security patch ${crypto.randomUUID().slice(0, 6)}`;
      const session = terminal([
        "broadcast",
        "--title",
        title,
        "--file",
        join(work, "notice.md"),
        "--preview-html",
        previewHtml,
        "--interval",
        "0.3",
      ]);
      await session.waitFor("PIN (not shown as you type): ");
      expect(session.screen()).toContain(`Subject: ${title}`);
      expect(session.screen()).toContain("OpenEMR 7.0.3.4 fixes a security issue. See https://open-emr.org.");
      expect(session.screen()).toContain(`It will be sent to ${RECIPIENTS} active subscribers`);
      session.type(`${PIN}\r`);
      await session.waitFor("Type yes to send: ");
      session.type("yes\r");
      expect(await session.exited).toBe(0);

      const screen = session.screen();
      expect(screen).not.toContain(PIN);
      expect(screen).toContain("yes"); // the confirmation is echoed like any answer
      expect(screen).toMatch(/█{30} 100% {2}30\/30 {2}sent 30 · skipped 0 · failed 0/);
      expect(screen).toContain(`Done: ${RECIPIENTS} recipients; ${RECIPIENTS} sent, 0 skipped`);
      expect(screen).toContain("Since: 0 hard bounces, 0 complaints, 0 unsubscribes.");

      // The preview is the email a recipient got, but for their own unsubscribe link.
      const broadcastId = /broadcast ([0-9a-f-]{36})/.exec(screen)![1]!;
      const mail = (await (
        await fetch(`${api.replace(/:(\d+)$/, (_, port: string) => `:${Number(port) + 1}`)}/store`)
      ).json()) as {
        emails: { subject: string; body: { html: string } }[];
      };
      const received = mail.emails.filter((email) => email.subject === title);
      expect(received).toHaveLength(RECIPIENTS);
      // The links are each recipient's own; the signing footer names the key and the broadcast's
      // archive page, which the preview, drawn before the broadcast exists, leaves out.
      const sample = (html: string) =>
        html
          .replace(/\/(unsubscribe|privacy)\/[^"]+"/g, '/$1/LINK"')
          .replace(/<p [^>]*>(Signed with OpenPGP|This announcement in the public archive)[^<]*<\/p>/g, "");
      expect(sample(readFileSync(previewHtml, "utf8"))).toBe(sample(received[0]!.body.html));

      const status = await cli(["status", broadcastId, "--json", "--once"], { OEMR_REG_PIN: PIN });
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({
        broadcastId,
        status: "done",
        recipients: RECIPIENTS,
        sent: RECIPIENTS,
        skipped: 0,
        failed: 0,
      });
    },
  );

  it("sends nothing when the board does not confirm", async () => {
    const session = terminal(
      [
        "broadcast",
        "--title",
        "Not this one",
        "--file",
        join(work, "notice.md"),
        "--preview-html",
        join(work, "no.html"),
      ],
      { OEMR_REG_PIN: PIN },
    );
    await session.waitFor("Type yes to send: ");
    session.type("no\r");
    expect(await session.exited).toBe(8);
    expect(session.screen()).toContain("Not sent.");
    expect(existsSync(join(work, "no.html"))).toBe(true);
  });

  it(
    "Ctrl-C stops following, not the broadcast, and says how to follow again; " + "status --json follows it to done",
    async () => {
      const session = terminal(
        [
          "broadcast",
          "--title",
          "Followed twice",
          "--file",
          join(work, "notice.md"),
          "--yes",
          "--preview-html",
          join(work, "p2.html"),
        ],
        {
          OEMR_REG_PIN: PIN,
        },
      );
      await session.waitFor("Ctrl-C stops watching");
      await session.waitFor("%");
      session.type("\u0003");
      expect(await session.exited).toBe(130);
      const broadcastId = /broadcast ([0-9a-f-]{36})/.exec(session.screen())![1]!;
      expect(session.screen()).toContain(
        `Stopped following. The broadcast goes on; to follow it again, run: oemr-reg status ${broadcastId}`,
      );

      const followed = await cli(["status", broadcastId, "--json", "--interval", "0.3"], { OEMR_REG_PIN: PIN });
      expect(followed.code).toBe(0);
      const lines = followed.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { status: string });
      expect(lines.at(-1)).toMatchObject({
        status: "done",
        recipients: RECIPIENTS,
        sent: RECIPIENTS,
        skipped: 0,
        failed: 0,
      });
    },
  );

  it("refuses a message that is too long before asking anything, with its own exit status", async () => {
    const run = await cli(["broadcast", "--title", "x".repeat(201), "--file", join(work, "notice.md"), "--yes"], {
      OEMR_REG_PIN: PIN,
    });
    expect(run.code).toBe(5);
    expect(run.stderr).toContain("A title has at most 200 characters");
  });

  it("explains an unreachable server and a usage error, each with its own exit status", async () => {
    const closed = createServer().listen(0, "127.0.0.1");
    await once(closed, "listening");
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    closed.close();
    const down = await cli(["count"], { OEMR_REG_URL: url });
    expect(down.code).toBe(6);
    expect(down.stderr).toContain(`Cannot reach the server at ${url} (ECONNREFUSED). Is it running?`);
    const usage = await cli(["status"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe("Give the broadcast's id. Run oemr-reg status --help.\n");
  });

  // Last: it locks this machine's address out of the broadcast routes for 15 minutes.
  it("says the PIN is wrong (exit 3), then that it is locked out and for how long (exit 4)", async () => {
    const args = [
      "broadcast",
      "--title",
      "Never sent",
      "--file",
      join(work, "notice.md"),
      "--yes",
      "--preview-html",
      join(work, "p3.html"),
    ];
    const wrong = await cli(args, { OEMR_REG_PIN: "00000000" });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain("Wrong PIN: the server did not accept it.");
    for (let i = 0; i < 4; i++) expect((await cli(args, { OEMR_REG_PIN: "00000000" })).code).toBe(3);
    const locked = await cli(args, { OEMR_REG_PIN: PIN });
    expect(locked.code).toBe(4);
    expect(locked.stderr).toContain("Locked out after too many wrong PINs: try again in 15 minutes.");
  });
});
