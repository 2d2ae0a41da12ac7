import { helpHint, type ProgramSpec, parseCommandLine, programHelp, UsageError } from "@oemr-reg/core/command-line";
import type { z } from "zod";

const stage = {
  type: "string",
  value: "<stage>",
  description: "the stage whose resources to use (default: $STAGE, else local, as npm start names them)",
} as const;
const help = { type: "boolean", short: "h", description: "this help" } as const;

/** `npm run redrive -- --help`: one description per option, as the CLI's (core/command-line.ts). */
export const REDRIVE: ProgramSpec = {
  name: "npm run redrive --",
  summary: "move a dead-letter queue's messages back to the queue they came from, on npm start's stack",
  options: {
    queue: { type: "string", value: "<name>", description: "the dead-letter queue: SendDlq, FanoutDlq, ..." },
    stage,
    help,
  },
  common: ["queue", "stage", "help"],
  examples: ["npm run redrive -- --queue SendDlq"],
  footer:
    'Its SQS port follows PORT (or SQS_PORT), as npm start\'s. Prints {"queue", "to", "moved"} as JSON.\n' +
    "On AWS, use SQS's own redrive (docs/operations.md). Exit status: 0 done, 1 failed, 2 usage.",
};

/** `npm run backfill-counters -- --help`. */
export const BACKFILL: ProgramSpec = {
  name: "npm run backfill-counters --",
  summary: "count the registrations from before the counted marker into the console's counts",
  options: {
    aws: { type: "boolean", description: "on AWS, with the shell's credentials, instead of npm start's stack" },
    stage,
    "registrations-table": { type: "string", value: "<name>", description: "with --aws: the Registrations table" },
    "state-table": { type: "string", value: "<name>", description: "with --aws: the State table" },
    help,
  },
  common: ["aws", "stage", "registrations-table", "state-table", "help"],
  examples: [
    "npm run backfill-counters",
    "npm run backfill-counters -- --aws --registrations-table <name> --state-table <name>",
  ],
  footer:
    "Safe to run again, and while the list is live. Its DynamoDB port follows PORT (or DYNAMODB_PORT).\n" +
    'Prints {"found", "counted", "skipped"} as JSON. Exit status: 0 done, 1 failed, 2 usage.',
};

/**
 * The script's options, checked against its spec: `--help` prints its help and exits 0; an unknown
 * option or a stray argument prints one line naming it and the help to read, and exits 2.
 */
export function scriptOptions(spec: ProgramSpec, argv: string[]): Record<string, string | boolean | undefined> {
  try {
    const { values, positionals, help } = parseCommandLine(spec, argv);
    if (help) {
      process.stdout.write(programHelp(spec));
      process.exit(0);
    }
    if (positionals.length > 0) throw new UsageError(`Unexpected argument ${positionals[0]}. ${helpHint(spec)}`);
    return values as Record<string, string | boolean | undefined>;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
}

/** An option's value the script's schema refused: one line naming it and the help to read, exit 2. */
export function refuseOptions(spec: ProgramSpec, error: z.ZodError): never {
  const issue = error.issues[0]!;
  const option = issue.path.length > 0 ? `--${issue.path.join(".")}: ` : "";
  console.error(`${option}${issue.message.replace(/\.$/, "")}. ${helpHint(spec)}`);
  process.exit(2);
}
