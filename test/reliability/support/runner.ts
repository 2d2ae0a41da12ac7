import { type ChildProcess, spawn } from "node:child_process";
import { afterAll } from "vitest";
import { recordLogs } from "./figures.ts";

export type Runner = { child: ChildProcess; stdout: string[]; stderr: () => string; exited: Promise<number | null> };
const running = new Set<Runner>();
let launched = 0;

afterAll(async () => {
  for (const runner of running) {
    runner.child.kill("SIGTERM");
    await runner.exited;
  }
});

/**
 * `npm start` as a child process (as test/local-runner.test.ts runs it), or another script, its
 * logs kept for the scan.
 */
export function launch(env: Record<string, string>, script = "packages/local/src/main.ts"): Runner {
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    env: { ...process.env, LOG_LEVEL: "INFO", REGISTRATION_LIMIT_PER_HOUR: "1000000", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const name = `runner-${process.pid}-${++launched}`;
  const stdout: string[] = [];
  let stderr = "";
  let partial = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    recordLogs(name, chunk.toString());
    const lines = (partial + chunk.toString()).split("\n");
    partial = lines.pop()!;
    stdout.push(...lines);
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    recordLogs(name, chunk.toString());
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const runner = { child, stdout, stderr: () => stderr, exited };
  running.add(runner);
  void exited.then(() => running.delete(runner));
  return runner;
}

/** Waits for the line `npm start` prints last (or another script's `marker`), and returns it. */
export async function ready(runner: Runner, { marker = "MAIL: ", timeoutMs = 60_000 } = {}): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = runner.stdout.find((printed) => printed.startsWith(marker));
    if (line) return line;
    if (runner.child.exitCode !== null) throw new Error(`runner exited: ${runner.stderr()}`);
    if (Date.now() > deadline) throw new Error(`runner not ready: ${runner.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export { freePortBlock } from "@oemr-reg/local/ports";
