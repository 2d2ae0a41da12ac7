import { spawn } from "node:child_process";

export type CliRun = { code: number | null; stdout: string; stderr: string };

/** Runs the board's CLI as the board does (`oemr-reg`, or another `command`), and collects what it printed. */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  command = [process.execPath, "packages/cli/bin/oemr-reg.js"],
): Promise<CliRun> {
  const child = spawn(command[0]!, [...command.slice(1), ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}
