import { createInterface } from "node:readline/promises";
import { CliError, EXIT } from "./exit-codes.ts";

type Input = NodeJS.ReadStream;
type Output = NodeJS.WriteStream;

const CTRL_C = "\u0003";
const CTRL_D = "\u0004";
const BACKSPACE = new Set(["\u007f", "\b"]);

/**
 * Asks for a secret on the terminal without showing it: raw mode turns the terminal's echo off,
 * and each key is read here instead. The prompt appears only once echo is off, so nothing typed
 * after it can show. Prompts go to stderr, keeping stdout for results.
 */
export function askSecret(
  question: string,
  { input = process.stdin, output = process.stderr }: { input?: Input; output?: Output } = {},
): Promise<string> {
  if (!input.isTTY) {
    return Promise.reject(new CliError(EXIT.failed, "No terminal to ask for the PIN on: set OEMR_REG_PIN."));
  }
  return new Promise((resolve, reject) => {
    let value = "";
    const finish = () => {
      input.off("data", onData);
      input.setRawMode(false);
      input.pause();
      output.write("\n");
    };
    function onData(chunk: Buffer | string) {
      for (const char of chunk.toString("utf8")) {
        if (char === "\r" || char === "\n") {
          finish();
          resolve(value);
          return;
        }
        if (char === CTRL_C || (char === CTRL_D && value === "")) {
          finish();
          reject(new CliError(EXIT.interrupted, "Stopped: nothing was sent."));
          return;
        }
        if (BACKSPACE.has(char)) value = value.slice(0, -1);
        else if (char >= " ") value += char;
      }
    }
    input.setRawMode(true);
    input.on("data", onData);
    input.resume();
    output.write(question);
  });
}

/** Asks a yes/no question on the terminal; only "y" or "yes" is a yes. */
export async function confirm(
  question: string,
  { input = process.stdin, output = process.stderr }: { input?: Input; output?: Output } = {},
): Promise<boolean> {
  if (!input.isTTY)
    throw new CliError(EXIT.failed, "No terminal to ask for confirmation on: pass --yes to send without asking.");
  const lines = createInterface({ input, output });
  const interrupted = new AbortController();
  lines.once("SIGINT", () => interrupted.abort());
  try {
    const answer = await lines.question(question, { signal: interrupted.signal });
    return /^\s*y(es)?\s*$/i.test(answer);
  } catch {
    output.write("\n");
    throw new CliError(EXIT.interrupted, "Stopped: nothing was sent.");
  } finally {
    lines.close();
  }
}
