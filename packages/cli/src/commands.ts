import type { ApiClient } from "./api.ts";
import type { CliArgs } from "./args.ts";
import { audienceOf, reachOfAudience, reachOfEveryone } from "./audience.ts";
import { EXIT, type ExitCode } from "./exit-codes.ts";
import { previewBroadcast } from "./preview.ts";
import { doneSentence, follow, progressLine } from "./progress.ts";
import { consoleDraftUrl } from "./server-url.ts";
import { askSecret, confirm } from "./terminal.ts";

export type CommandContext = {
  client: ApiClient;
  env: NodeJS.ProcessEnv;
  /** The member's personal token for this server, when there is one: sent instead of the PIN. */
  token?: string;
  /** Aborted by Ctrl-C while following a broadcast. */
  interrupt: AbortSignal;
  out?: NodeJS.WriteStream;
  err?: NodeJS.WriteStream;
};

type Args<C extends CliArgs["command"]> = Extract<CliArgs, { command: C }>;

export async function count(
  { json }: Args<"count">,
  { client, out = process.stdout }: CommandContext,
): Promise<ExitCode> {
  const counts = await client.counts();
  out.write(
    json
      ? `${JSON.stringify(counts)}\n`
      : `Registrations: ${counts.count}\nActive subscribers (a broadcast reaches them): ${counts.active}\n`,
  );
  return EXIT.ok;
}

/** The usage summary as tables: one per breakdown, the busiest rows first. */
export async function usage({ json }: Args<"usage">, context: CommandContext): Promise<ExitCode> {
  const { client, out = process.stdout } = context;
  const summary = await client.usageSummary(await pinFrom(context));
  if (json) {
    out.write(`${JSON.stringify(summary)}\n`);
    return EXIT.ok;
  }
  const table = (title: string, rows: [string, string][]) =>
    `${title}\n` +
    (rows.length === 0 ? "  (none)\n" : rows.map(([name, value]) => `  ${value.padStart(8)}  ${name}\n`).join(""));
  const sites = (tallies: { name: string; sites: number }[]) =>
    tallies.map(({ name, sites }): [string, string] => [name, String(sites)]);
  out.write(
    `Sites reporting since ${summary.since.slice(0, 10)}: ${summary.sites}\n\n` +
      [
        table("By OpenEMR version (sites)", sites(summary.byVersion)),
        table("By country (sites)", sites(summary.byCountry)),
        table("By distribution (sites)", sites(summary.byDistribution)),
        table("By PHP version (sites)", sites(summary.byPhp)),
        table("Most enabled modules (sites)", sites(summary.modules)),
        table("Most enabled encounter forms (sites)", sites(summary.encounterForms)),
        table(
          "API calls by kind (calls)",
          summary.api.map(({ name, calls }): [string, string] => [name, String(calls)]),
        ),
      ].join("\n"),
  );
  return EXIT.ok;
}

/** Preview, count, PIN, confirmation, send, then follow: nothing is sent before the board says yes. */
export async function broadcast(args: Args<"broadcast">, context: CommandContext): Promise<ExitCode> {
  const { client, out = process.stdout, err = process.stderr } = context;
  const audience = audienceOf(args);
  const preview = await previewBroadcast(args, args.url);
  // With --json, stdout carries JSON only; the preview a person reads goes to stderr.
  const show = args.json ? err : out;
  show.write(
    `Subject: ${preview.subject}\n\n${preview.text}\n` +
      `HTML part written to ${preview.htmlFile}: open it in a browser to see it as recipients will.\n` +
      `(The unsubscribe link above is a sample: each recipient gets their own.)\n\n`,
  );
  // An audience is counted behind the PIN (a scan of the list), so the PIN comes first then.
  const reach = audience
    ? await reachOfAudience(client, audience, await pinFrom(context))
    : await reachOfEveryone(client);
  const { active, reached, sentence } = reach;
  const unlisted = args.archive === false ? " It will not be in the public archive." : "";
  show.write(`It will be sent to ${sentence} at ${args.url}.${unlisted}\n`);
  const pin = reach.pin ?? (await pinFrom(context));
  if (!reach.pin) await client.checkPin(pin);
  if (!args.yes && !(await confirm(`Send "${preview.subject}" to ${sentence} now? Type yes to send: `))) {
    err.write("Not sent.\n");
    return EXIT.declined;
  }
  const { archive } = args;
  const answer = await client.startBroadcast(
    { ...preview.message, audience, ...(archive === false && { archive }) },
    pin,
  );
  if (answer.status === "awaiting-approval") {
    // A stack with members: nothing starts until another member approves (docs/cli.md, drafts).
    if (args.json) out.write(`${JSON.stringify(answer)}\n`);
    else
      out.write(
        `Saved as draft ${answer.draftId} (${answer.state}): another member approves it with their passkey ` +
          `in the console:\n  ${consoleDraftUrl(args.url, answer.draftId)}\n`,
      );
    return EXIT.ok;
  }
  const { broadcastId } = answer;
  if (args.json) {
    const started = { broadcastId, activeSubscribers: active, previewHtml: preview.htmlFile };
    out.write(`${JSON.stringify(audience ? { ...started, audience, recipients: reached } : started)}\n`);
  } else out.write(`Sending: broadcast ${broadcastId}. Ctrl-C stops watching, not the broadcast.\n`);
  return follow(client, broadcastId, pin, {
    json: args.json,
    intervalMs: args.interval * 1000,
    signal: context.interrupt,
    out,
  });
}

export async function status(args: Args<"status">, context: CommandContext): Promise<ExitCode> {
  const { client, out = process.stdout } = context;
  const pin = await pinFrom(context);
  if (args.once) {
    const progress = await client.progress(args.broadcastId, pin);
    out.write(args.json ? `${JSON.stringify(progress)}\n` : `${progressLine(progress)}\n`);
    if (!args.json && progress.status === "done") out.write(`${doneSentence(progress)}\n`);
    return progress.status === "paused" ? EXIT.paused : EXIT.ok;
  }
  return follow(client, args.broadcastId, pin, {
    json: args.json,
    intervalMs: args.interval * 1000,
    signal: context.interrupt,
    out,
  });
}

export async function resume(args: Args<"resume">, context: CommandContext): Promise<ExitCode> {
  const { client, out = process.stdout, err = process.stderr } = context;
  const pin = await pinFrom(context);
  await client.resume(args.broadcastId, pin);
  if (!args.json) err.write(`Resumed broadcast ${args.broadcastId}.\n`);
  return follow(client, args.broadcastId, pin, {
    json: args.json,
    intervalMs: args.interval * 1000,
    signal: context.interrupt,
    out,
  });
}

/** The token `oemr-reg login` kept (or `$OEMR_REG_TOKEN`), else the PIN. */
export function pinFrom({ env, token }: CommandContext): Promise<string> {
  if (token) return Promise.resolve(token);
  return env.OEMR_REG_PIN ? Promise.resolve(env.OEMR_REG_PIN) : askSecret("PIN (not shown as you type): ");
}
