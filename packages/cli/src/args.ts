import { parseArgs } from "node:util";
import { parseOpenEmrVersion } from "@oemr-reg/core/registration/openemr-version";
import { z } from "zod";
import { EraseArgs } from "./erase.ts";
import { CliError, EXIT } from "./exit-codes.ts";

export const DEFAULT_URL = "http://localhost:3000";

const OPTIONS = {
  url: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
  title: { type: "string" },
  file: { type: "string" },
  html: { type: "string" },
  "preview-html": { type: "string" },
  yes: { type: "boolean", short: "y" },
  once: { type: "boolean" },
  interval: { type: "string" },
  "below-version": { type: "string" },
  distribution: { type: "string", multiple: true },
  reason: { type: "string" },
} as const;

const Common = {
  url: z
    .url({ protocol: /^https?$/, error: "--url must be an http(s) URL, such as http://localhost:3000" })
    .transform((url) => url.replace(/\/+$/, "")),
  json: z.boolean().default(false),
};
const BroadcastId = z
  .string({ error: "Give the broadcast's id" })
  .regex(/^[A-Za-z0-9-]{1,100}$/, "That does not look like a broadcast id");
const Follow = {
  /** Seconds between two looks at the progress. */
  interval: z.coerce.number({ error: "--interval is a number of seconds" }).min(0.1).max(60).default(1),
};

/** The command line, checked: one schema per command, unknown options refused. */
export const CliArgs = z.discriminatedUnion("command", [
  z.strictObject({ command: z.literal("help") }),
  z.strictObject({ command: z.literal("version") }),
  z.strictObject({ command: z.literal("count"), ...Common }),
  z.strictObject({ command: z.literal("usage"), ...Common }),
  z.strictObject({
    command: z.literal("broadcast"),
    ...Common,
    ...Follow,
    title: z.string({ error: "--title is required" }).trim().min(1, "--title is required"),
    file: z.string({ error: "--file is required: the Markdown (or plain text) of the email" }).min(1),
    html: z.string().min(1).optional(),
    previewHtml: z.string().min(1).default("broadcast-preview.html"),
    yes: z.boolean().default(false),
    belowVersion: z
      .string()
      .refine(
        (version) => parseOpenEmrVersion(version) !== undefined,
        "--below-version must be an OpenEMR version, such as 7.0.3 or 7.0.3.4",
      )
      .optional(),
    distribution: z.array(z.string()).optional(),
  }),
  z.strictObject({
    command: z.literal("status"),
    ...Common,
    ...Follow,
    broadcastId: BroadcastId,
    once: z.boolean().default(false),
  }),
  z.strictObject({ command: z.literal("resume"), ...Common, ...Follow, broadcastId: BroadcastId }),
  EraseArgs.extend(Common),
]);
export type CliArgs = z.infer<typeof CliArgs>;

/** The arguments after `oemr-reg`, as a command; `--url` falls back on `OEMR_REG_URL`. */
export function parseCommandLine(argv: string[], env: NodeJS.ProcessEnv): CliArgs {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true; strict: true }>
  >;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(EXIT.usage, error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const [command, broadcastId, ...extra] = positionals;
  if (values.version && !values.help) return { command: "version" };
  if (values.help || command === undefined || command === "help") return { command: "help" };
  const takesOne = command === "status" || command === "resume" || command === "erase";
  if (extra.length > 0 || (broadcastId !== undefined && !takesOne)) {
    throw new CliError(EXIT.usage, `Unexpected argument: ${[broadcastId, ...extra].filter(Boolean).join(" ")}`);
  }
  const { "preview-html": previewHtml, "below-version": belowVersion, help: _, version: __, ...rest } = values;
  const candidate = {
    command,
    ...rest,
    ...(previewHtml !== undefined && { previewHtml }),
    ...(belowVersion !== undefined && { belowVersion }),
    ...(broadcastId !== undefined && (command === "erase" ? { email: broadcastId } : { broadcastId })),
    url: values.url ?? (env.OEMR_REG_URL || DEFAULT_URL),
  };
  const result = CliArgs.safeParse(candidate);
  if (!result.success) throw new CliError(EXIT.usage, describeIssues(result.error, command));
  return result.data;
}

function describeIssues(error: z.ZodError, command: string): string {
  const issue = error.issues[0]!;
  if (issue.code === "invalid_union") return `Unknown command "${command}". Run oemr-reg --help.`;
  if (issue.code === "unrecognized_keys")
    return `${issue.keys.map((key) => `--${kebab(key)}`).join(", ")} does not apply to ${command}`;
  return issue.message;
}

const kebab = (key: string) => key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

export const USAGE = `oemr-reg: the board's tools for OpenEMR announcements

  oemr-reg count                                  registrations and active subscribers
  oemr-reg usage                                  what installations report of their use (last 90 days)
  oemr-reg broadcast --title "..." --file notice.md [--html notice.html] [--yes]
                    [--below-version 7.0.3] [--distribution docker]
                                                  preview, confirm, send, then follow it
  oemr-reg status <broadcastId> [--once]          follow a broadcast until it is done
  oemr-reg resume <broadcastId>                   resume a paused broadcast and follow it
  oemr-reg login [--url <url>]                    keep a personal token: every command sends it, not the PIN
  oemr-reg members add --name … --email … --role admin [--aws --state-table … --public-url …]
                                                  the operator: invite a member, print the link
  oemr-reg audit verify | audit export [--json]   the operator: check the audit chain, or write it out
  oemr-reg erase <address> [--reason "..."] [--yes] erase an address on its owner's request (docs/privacy.md)

Options:
  --version              the CLI's version and the Node it runs on
  --url <url>            the server (default: $OEMR_REG_URL, else ${DEFAULT_URL}, as npm start serves it)
  --json                 JSON for scripts: one object per line
  --preview-html <file>  where broadcast writes the HTML part for you to open (default broadcast-preview.html)
  --yes, -y              send without asking for confirmation
  --below-version <v>    broadcast: only installations whose latest version is below v, in OpenEMR's order
  --distribution <name>  broadcast: only this distribution (repeat, or separate with commas, for several)
  --once                 status: show the progress once, do not follow
  --interval <seconds>   how often to look at the progress (default 1)

The PIN is asked for without showing it, or read from $OEMR_REG_PIN.
Exit status: 0 done, 1 usage, 2 wrong PIN, 3 locked out, 4 message refused, 5 server unreachable,
6 broadcast paused, 7 not confirmed (nothing sent), 8 no such broadcast, 130 stopped following (Ctrl-C).
`;
