import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "@oemr-reg/local/aws-env";
import { freePortBlock, isListening } from "@oemr-reg/local/ports";
import { afterEach, describe, expect, it } from "vitest";
import { postForm, postJson, uniqueEmail } from "./support/serve.ts";
import { eventually } from "./support/stack.ts";

type Runner = { child: ChildProcess; stdout: string[]; stderr: () => string; exited: Promise<number | null> };
const running: Runner[] = [];

afterEach(async () => {
  for (const runner of running.splice(0)) {
    runner.child.kill("SIGTERM");
    await runner.exited;
  }
});

function launch(env: Record<string, string>): Runner {
  const child = spawn(process.execPath, ["--import", "tsx", "packages/local/src/main.ts"], {
    env: { ...process.env, LOG_LEVEL: "INFO", REGISTRATION_LIMIT_PER_HOUR: "100000", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stdout: string[] = [];
  let stderr = "";
  let partial = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split("\n");
    partial = lines.pop()!;
    stdout.push(...lines);
  });
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const runner = { child, stdout, stderr: () => stderr, exited };
  running.push(runner);
  return runner;
}

async function ready(runner: Runner): Promise<{ api: string; mail: string }> {
  const deadline = Date.now() + 45_000;
  while (!runner.stdout.some((line) => line.startsWith("MAIL: "))) {
    if (runner.child.exitCode !== null) throw new Error(`runner exited: ${runner.stderr()}`);
    if (Date.now() > deadline) throw new Error(`runner not ready: ${runner.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { api: runner.stdout[0]!.slice("API: ".length), mail: runner.stdout[1]!.slice("MAIL: ".length) };
}

async function count(api: string): Promise<number> {
  return ((await (await fetch(`${api}/api/registration/unique`)).json()) as { count: number }).count;
}

// Each test starts JVMs and emulators as child processes: slow on a busy 2-core machine.
describe("npm start", { timeout: 120_000 }, () => {
  it(
    "serves the API and mail viewer, keeps registrations across a restart, " +
      "and stops cleanly on SIGINT and SIGTERM",
    async () => {
      const port = await freePortBlock();
      const env = { PORT: String(port), DATA_DIR: mkdtempSync(join(tmpdir(), "oemr-reg-")) };
      const first = launch(env);
      const { api, mail } = await ready(first);
      expect(first.stdout.slice(0, 2)).toEqual([`API: http://localhost:${port}`, `MAIL: http://localhost:${port + 1}`]);

      const viewer = await fetch(mail.replace("localhost", "127.0.0.1"));
      expect(viewer.status).toBe(200);
      expect(await viewer.text()).toMatch(/<html/i);

      const apiUrl = api.replace("localhost", "127.0.0.1");
      const email = uniqueEmail();
      expect((await postForm(`${apiUrl}/api/registration`, { email })).status).toBe(201);
      // After the two address lines, the runner writes structured JSON logs only.
      for (const line of first.stdout.slice(2).filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();

      // Where the board's CLI in this checkout finds it without --url, while it runs.
      const runningFile = join(env.DATA_DIR, "running.json");
      expect(JSON.parse(readFileSync(runningFile, "utf8"))).toEqual({ apiUrl: api, pid: first.child.pid });

      first.child.kill("SIGINT");
      expect(await first.exited).toBe(0);
      expect(existsSync(runningFile)).toBe(false);
      for (const offset of [0, 1, 2, 3]) expect(await isListening(port + offset)).toBe(false);

      const second = launch(env);
      await ready(second);
      expect(await count(apiUrl)).toBe(1);
      expect((await postForm(`${apiUrl}/api/registration`, { email: email.toUpperCase() })).status).toBe(409);
      second.child.kill("SIGTERM");
      expect(await second.exited).toBe(0);
      expect(await isListening(port + 2)).toBe(false);
    },
  );

  it("under npm and a shell, stops everything on Ctrl-C, and npm reports 130 (docs/operations.md)", async () => {
    const port = await freePortBlock();
    const env = { PORT: String(port), DATA_DIR: mkdtempSync(join(tmpdir(), "oemr-reg-")) };
    // `npm start` in a process group of its own, as a shell runs a foreground job: Ctrl-C is SIGINT to the group.
    const npm = spawn("npm", ["start", "--silent"], {
      env: { ...process.env, ...env, LOG_LEVEL: "INFO" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const runner: Runner = { child: npm, stdout: [], stderr: () => "", exited: new Promise(() => {}) };
    let out = "";
    npm.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      runner.stdout.splice(0, runner.stdout.length, ...out.split("\n"));
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      npm.once("exit", (code, signal) => resolve({ code, signal })),
    );
    try {
      await ready(runner);
      process.kill(-npm.pid!, "SIGINT");
      const { code, signal } = await exited;
      // A shell shows 130 for either: npm's own exit code, or its death by the signal.
      expect(code === 130 || signal === "SIGINT").toBe(true);
      await eventually(async () => ((await isListening(port)) ? undefined : true), 15_000, "the API to stop");
      for (const offset of [0, 1, 2, 3]) expect(await isListening(port + offset)).toBe(false);
    } finally {
      if (npm.exitCode === null && npm.signalCode === null) process.kill(-npm.pid!, "SIGTERM");
    }
  });

  it("starts again after being killed with SIGKILL, replacing the DynamoDB Local it left behind", async () => {
    const port = await freePortBlock();
    const env = { PORT: String(port), DATA_DIR: mkdtempSync(join(tmpdir(), "oemr-reg-")) };
    const killed = launch(env);
    const { api } = await ready(killed);
    const apiUrl = api.replace("localhost", "127.0.0.1");
    expect((await postForm(`${apiUrl}/api/registration`, { email: uniqueEmail() })).status).toBe(201);
    killed.child.kill("SIGKILL");
    await killed.exited;
    // Its DynamoDB Local outlives it, holding the data folder.
    const orphan = Number(readFileSync(join(env.DATA_DIR, "dynamodb", "java.pid"), "utf8"));
    expect(() => process.kill(orphan, 0)).not.toThrow();

    const restarted = launch(env);
    await ready(restarted);
    expect(await count(apiUrl)).toBe(1);
  });

  it("finishes an unfinished broadcast after a restart, sending only to those it had not reached", async () => {
    const port = await freePortBlock();
    const env = {
      PORT: String(port),
      DATA_DIR: mkdtempSync(join(tmpdir(), "oemr-reg-")),
      SECRET_PIN: "board-pin-11223344",
      SES_SEND_RATE: "10",
    };
    const first = launch(env);
    await ready(first);
    const api = `http://127.0.0.1:${port}`;
    const mailStore = async () =>
      (
        (await (await fetch(`http://127.0.0.1:${port + 1}/store`)).json()) as {
          emails: { destination: { to: string[] } }[];
        }
      ).emails;
    for (let i = 0; i < 60; i++)
      expect((await postForm(`${api}/api/registration`, { email: uniqueEmail("resume") })).status).toBe(201);
    const started = await fetch(`${api}/api/registration/broadcast`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ secretPin: "board-pin-11223344", title: "Resumed", contents: "After a restart." }),
    });
    const { broadcastId } = (await started.json()) as { broadcastId: string };
    while ((await mailStore()).length < 10) await new Promise((resolve) => setTimeout(resolve, 100));
    const sentBeforeStop = (await mailStore()).length;
    first.child.kill("SIGINT");
    expect(await first.exited).toBe(0);

    const second = launch(env);
    await ready(second);
    let progress: { status: string; recipients: number; sent: number } | undefined;
    for (const deadline = Date.now() + 40_000; Date.now() < deadline && progress?.status !== "done"; ) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const response = await fetch(`${api}/api/registration/broadcast/${broadcastId}`, {
        headers: { "X-Secret-Pin": "board-pin-11223344" },
      });
      progress = (await response.json()) as typeof progress;
    }
    expect(progress).toMatchObject({ status: "done", recipients: 60, sent: 60 });
    // The SES emulator starts empty: it now holds exactly the emails sent after the restart.
    const resent = (await mailStore()).map((email) => email.destination.to[0]);
    expect(resent.length).toBeGreaterThan(0);
    expect(resent.length).toBeLessThanOrEqual(60 - sentBeforeStop);
    expect(new Set(resent).size).toBe(resent.length);
    expect(second.stdout.some((line) => line.includes("resuming unfinished broadcasts"))).toBe(true);
  });

  it("runs beside another checkout whose PORT differs", async () => {
    const first = launch({ PORT: String(await freePortBlock()), DATA_DIR: mkdtempSync(join(tmpdir(), "oemr-reg-")) });
    await ready(first);
    const second = launch({ PORT: String(await freePortBlock()), DATA_DIR: mkdtempSync(join(tmpdir(), "oemr-reg-")) });
    const [a, b] = await Promise.all([ready(first), ready(second)]);
    const [apiA, apiB] = [a.api, b.api].map((url) => url.replace("localhost", "127.0.0.1"));
    expect((await postForm(`${apiA!}/api/registration`, { email: uniqueEmail() })).status).toBe(201);
    expect(await count(apiA!)).toBe(1);
    expect(await count(apiB!)).toBe(0);
  });

  it("exits with a clear message when an emulator's port is taken", async () => {
    const port = await freePortBlock();
    const blocker = createServer().listen(port + 2, "127.0.0.1");
    try {
      const runner = launch({ PORT: String(port), DATA_DIR: mkdtempSync(join(tmpdir(), "oemr-reg-")) });
      expect(await runner.exited).toBe(1);
      expect(runner.stderr()).toContain(`Port ${port + 2} is in use`);
      expect(runner.stderr()).toContain("DYNAMODB_PORT");
    } finally {
      blocker.close();
    }
  });

  it("plays SES's part: a broadcast to the mailbox simulator's bounce address marks it bounced, " +
    "and the next one skips it", async () => {
    const port = await freePortBlock();
    const pin = "board-pin-11223344";
    const runner = launch({
      PORT: String(port),
      DATA_DIR: mkdtempSync(join(tmpdir(), "oemr-reg-")),
      SECRET_PIN: pin,
      SES_SEND_RATE: "50",
    });
    const apiUrl = (await ready(runner)).api.replace("localhost", "127.0.0.1");
    const bounce = "bounce@simulator.amazonses.com";
    for (const email of [bounce, "success@simulator.amazonses.com", uniqueEmail()]) {
      expect((await postForm(`${apiUrl}/api/registration`, { email })).status).toBe(201);
    }

    const broadcastUntilDone = async (title: string) => {
      const started = await postJson(`${apiUrl}/api/registration/broadcast`, {
        secretPin: pin,
        title,
        contents: "Patch now.",
      });
      const { broadcastId } = (await started.json()) as { broadcastId: string };
      return eventually(
        async () => {
          const response = await fetch(`${apiUrl}/api/registration/broadcast/${broadcastId}`, {
            headers: { "X-Secret-Pin": pin },
          });
          const body = (await response.json()) as {
            status: string;
            sent: number;
            recipients: number;
            skipped: number;
            hardBounces: number;
          };
          return body.status === "done" ? body : undefined;
        },
        30_000,
        title,
      );
    };
    expect(await broadcastUntilDone("First")).toMatchObject({ sent: 3, skipped: 0 });

    // The runner's own DynamoDB: nothing public says an address bounced.
    const db = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: `http://127.0.0.1:${port + 2}`,
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
      }),
    );
    const status = async (email: string) =>
      (
        await db.send(
          new GetCommand({ TableName: "oemr-reg-local-Registrations", Key: { email }, ConsistentRead: true }),
        )
      ).Item?.status;
    await eventually(
      async () => ((await status(bounce)) === "bounced" ? true : undefined),
      20_000,
      "the bounce to be applied",
    );
    expect(await status("success@simulator.amazonses.com")).toBe("active");

    // The bounced address is no recipient any more: not one skipped.
    expect(await broadcastUntilDone("Second")).toMatchObject({ recipients: 2, sent: 2, skipped: 0 });
    const published = runner.stdout.filter((line) => line.includes("SES simulator published"));
    expect(published.some((line) => line.includes('"type":"Bounce"'))).toBe(true);
    expect(runner.stdout.join("\n")).not.toContain(bounce);
    db.destroy();
  }, 90_000);

  it("refuses to start with a PIN shorter than 16 characters, saying how to fix it", async () => {
    const runner = launch({
      PORT: String(await freePortBlock()),
      DATA_DIR: mkdtempSync(join(tmpdir(), "oemr-reg-")),
      SECRET_PIN: "24681357",
    });
    expect(await runner.exited).toBe(1);
    expect(runner.stderr()).toContain(
      "SecretPin has 8 characters; it needs at least 16: set SECRET_PIN to a longer one",
    );
    expect(runner.stderr()).not.toContain("24681357");
  });

  it("exits with installation advice when Java is missing", async () => {
    // A PATH with node on it and nothing else.
    const bin = mkdtempSync(join(tmpdir(), "no-java-"));
    symlinkSync(process.execPath, join(bin, "node"));
    const runner = launch({
      PATH: bin,
      PORT: String(await freePortBlock()),
      DATA_DIR: mkdtempSync(join(tmpdir(), "oemr-reg-")),
    });
    expect(await runner.exited).toBe(1);
    expect(runner.stderr()).toContain("DynamoDB Local needs Java 17 or newer");
    expect(runner.stderr()).toContain("apt-get install");
  });
});

/** The runner and every process it started, found through each process's parent in /proc. */
function processTree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      // The command name, in parentheses, may hold spaces and parentheses: the parent id is the second field after it.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // It exited while the list was read.
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, parent] of parents) if (parent === tree[i]) tree.push(pid);
  }
  return tree;
}

/** The socket inodes the processes hold open. */
function socketInodes(pids: number[]): Set<string> {
  const inodes = new Set<string>();
  for (const pid of pids) {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        if (inode) inodes.add(inode);
      } catch {
        // Closed while the list was read.
      }
    }
  }
  return inodes;
}

/** An address as /proc/net/tcp{,6} prints it, each 32-bit word in host (little-endian) byte order. */
function decodeAddress(hex: string): string {
  const bytes = Buffer.concat(hex.match(/.{8}/g)!.map((word) => Buffer.from(word, "hex").reverse()));
  if (bytes.length === 4) return bytes.join(".");
  const mapped = bytes.subarray(0, 12).equals(Buffer.from("00000000000000000000ffff", "hex"));
  return mapped ? `::ffff:${bytes.subarray(12).join(".")}` : bytes.toString("hex").match(/.{4}/g)!.join(":");
}

/** The TCP sockets a process tree listens on. */
function listeningSockets(root: number): { address: string; port: number }[] {
  const inodes = socketInodes(processTree(root));
  const LISTEN = "0A";
  return ["/proc/net/tcp", "/proc/net/tcp6"].flatMap((table) =>
    readFileSync(table, "utf8")
      .split("\n")
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[3] === LISTEN && inodes.has(fields[9]!))
      .map((fields) => {
        const [address, port] = fields[1]!.split(":");
        return { address: decodeAddress(address!), port: parseInt(port!, 16) };
      }),
  );
}

describe("npm start's ports", { timeout: 120_000 }, () => {
  it("listens on 127.0.0.1 only: the API, the mail viewer, DynamoDB and its proxy, SQS and SNS", async () => {
    const port = await freePortBlock();
    const runner = launch({ PORT: String(port), DATA_DIR: mkdtempSync(join(tmpdir(), "oemr-reg-")) });
    await ready(runner);
    const sockets = listeningSockets(runner.child.pid!);
    expect(sockets.map(({ port }) => port)).toEqual(expect.arrayContaining([port, port + 1, port + 2, port + 3]));
    // The proxy's DynamoDB Local, on a port of its own, is among them too.
    expect(sockets.length).toBeGreaterThan(4);
    expect(sockets.filter(({ address }) => !/^(::ffff:)?127\.0\.0\.1$/.test(address))).toEqual([]);
  });
});
