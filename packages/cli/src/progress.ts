import type { BroadcastProgress } from "@oemr-reg/core/http/api-schemas";
import type { ApiClient } from "./api.ts";
import { EXIT, type ExitCode } from "./exit-codes.ts";

const BAR_WIDTH = 30;

/** One line: a bar of the recipients handled so far, the figures, and the status. */
export function progressLine(progress: BroadcastProgress, { color = false } = {}): string {
  const { recipients, sent, skipped, failed, status } = progress;
  const handled = sent + skipped + failed;
  const share = recipients > 0 ? Math.min(1, handled / recipients) : status === "done" ? 1 : 0;
  const filled = Math.round(share * BAR_WIDTH);
  const bar = "█".repeat(filled) + "░".repeat(BAR_WIDTH - filled);
  const paint = (code: string, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const statusText = status === "done" ? paint("32", status) : status === "paused" ? paint("33", status) : status;
  const figures = `sent ${sent} · skipped ${skipped} · failed ${failed}`;
  return `${bar} ${String(Math.round(share * 100)).padStart(3)}%  ${handled}/${recipients}  ${figures}  ${statusText}`;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** What the board reads once a broadcast is done, and what its emails caused so far. */
export function doneSentence(progress: BroadcastProgress): string {
  const { recipients, sent, skipped, failed, hardBounces, complaints, unsubscribes } = progress;
  return (
    `Done: ${plural(recipients, "recipient", "recipients")}; ${sent} sent, ` +
    `${skipped} skipped (no longer subscribed), ${failed} failed (refused by the mail service). ` +
    `Since: ${plural(hardBounces, "hard bounce", "hard bounces")}, ${plural(complaints, "complaint", "complaints")}, ` +
    `${plural(unsubscribes, "unsubscribe", "unsubscribes")}.`
  );
}

export type FollowOptions = {
  json: boolean;
  intervalMs: number;
  /** Aborted by Ctrl-C: stops following, never the broadcast. */
  signal: AbortSignal;
  out?: NodeJS.WriteStream;
};

/**
 * Shows a broadcast's progress until it is done or paused: a bar redrawn in place on a terminal,
 * a line per change otherwise, a JSON object per change with `--json`.
 */
export async function follow(
  client: ApiClient,
  broadcastId: string,
  pin: string,
  { json, intervalMs, signal, out = process.stdout }: FollowOptions,
): Promise<ExitCode> {
  const tty = !json && out.isTTY === true;
  let shown = "";
  let drawn = false;
  for (;;) {
    if (signal.aborted) return stopped(broadcastId, drawn, out);
    const progress = await client.progress(broadcastId, pin);
    const key = JSON.stringify(progress);
    if (key !== shown) {
      shown = key;
      if (json) out.write(`${key}\n`);
      else if (tty) {
        out.write(`\r\u001b[2K${progressLine(progress, { color: true })}`);
        drawn = true;
      } else out.write(`${progressLine(progress)}\n`);
    }
    if (progress.status === "done" || progress.status === "paused") {
      if (drawn) out.write("\n");
      if (json) return progress.status === "done" ? EXIT.ok : EXIT.paused;
      if (progress.status === "done") {
        out.write(`${doneSentence(progress)}\n`);
        return EXIT.ok;
      }
      process.stderr.write(
        `Paused: ${progress.pausedReason ?? "too many emails bounced"}. Nothing more is sent until it is resumed.\n` +
          `Check the addresses that bounced; to send to the rest, run: oemr-reg resume ${broadcastId}\n`,
      );
      return EXIT.paused;
    }
    await sleep(intervalMs, signal);
  }
}

function stopped(broadcastId: string, drawn: boolean, out: NodeJS.WriteStream): ExitCode {
  if (drawn) out.write("\n");
  process.stderr.write(
    `Stopped following. The broadcast goes on; to follow it again, run: oemr-reg status ${broadcastId}\n`,
  );
  return EXIT.interrupted;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
