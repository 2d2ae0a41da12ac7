import {
  commandHelp,
  helpHint,
  parseCommandLine as parseWith,
  programHelp,
  UsageError,
} from "@oemr-reg/core/command-line";
import { parseOpenEmrVersion } from "@oemr-reg/core/registration/openemr-version";
import { z } from "zod";
import { EraseArgs } from "./erase.ts";
import { CliError, EXIT } from "./exit-codes.ts";
import { serverUrl } from "./server-url.ts";
import { CLI } from "./spec.ts";

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
  z.strictObject({ command: z.literal("help"), text: z.string(), exitCode: z.literal([EXIT.ok, EXIT.usage]) }),
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
    /** `false` (`--no-archive`): not in the public archive. */
    archive: z.literal(false).optional(),
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

/** The arguments after `oemr-reg`, as a command; `--url` falls back on `OEMR_REG_URL`, then a running npm start. */
export function parseCommandLine(argv: string[], env: NodeJS.ProcessEnv): CliArgs {
  let parsed: ReturnType<typeof parseWith>;
  try {
    parsed = parseWith(CLI, argv);
  } catch (error) {
    if (error instanceof UsageError) throw new CliError(EXIT.usage, error.message);
    throw error;
  }
  const { command, positionals, values, help } = parsed;
  if (values.version && !help) return { command: "version" };
  if (help) return { command: "help", text: command ? commandHelp(CLI, command) : programHelp(CLI), exitCode: EXIT.ok };
  // Nothing asked: the help, with the usage error's status, for a script that forgot the command.
  if (command === undefined) return { command: "help", text: programHelp(CLI), exitCode: EXIT.usage };
  const [broadcastId, ...extra] = positionals;
  const takesOne = command === "status" || command === "resume" || command === "erase";
  if (extra.length > 0 || (broadcastId !== undefined && !takesOne)) {
    const unexpected = (extra.length > 0 ? extra : [broadcastId]).join(" ");
    throw new CliError(EXIT.usage, `Unexpected argument: ${unexpected}. ${helpHint(CLI, command)}`);
  }
  const { "preview-html": previewHtml, "below-version": belowVersion, "no-archive": noArchive, ...given } = values;
  const { help: _, version: __, ...rest } = given;
  const candidate = {
    command,
    ...rest,
    ...(previewHtml !== undefined && { previewHtml }),
    ...(belowVersion !== undefined && { belowVersion }),
    ...(noArchive === true && { archive: false }),
    ...(broadcastId !== undefined && (command === "erase" ? { email: broadcastId } : { broadcastId })),
    url: serverUrl(values.url as string | undefined, env),
  };
  const result = CliArgs.safeParse(candidate);
  if (!result.success)
    throw new CliError(EXIT.usage, `${result.error.issues[0]!.message.replace(/\.$/, "")}. ${helpHint(CLI, command)}`);
  return result.data;
}
