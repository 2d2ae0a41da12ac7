/**
 * Command lines described as data: each option and command has one description, from which the
 * parser's options, `--help` and the one-line usage errors are all made. The board's CLI and the
 * local scripts (`npm run redrive`, `npm run backfill-counters`) share it, so adding a command or
 * an option is adding an entry.
 * @module
 */
import { parseArgs } from "node:util";

export type OptionSpec = {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  /** The value's placeholder in help, for a string option: `<url>`. */
  value?: string;
  description: string;
};

export type CommandSpec = {
  /** What follows the command's name in its usage line: `<broadcastId> [--once]`. */
  args?: string;
  summary: string;
  /** Longer help, shown by `<program> <command> --help` only. */
  details?: string;
  /** Which of the program's options apply; the common ones apply to every command. */
  options: string[];
  examples: string[];
};

export type ProgramSpec = {
  /** How the user types it: `oemr-reg`, `npm run redrive --`. */
  name: string;
  summary: string;
  options: Record<string, OptionSpec>;
  /** Options every command takes (and the program alone, when it has no commands). */
  common: string[];
  /** Options of the program itself, without a command: `--version`. */
  programOnly?: string[];
  commands?: Record<string, CommandSpec>;
  examples?: string[];
  /** Closing lines of the general help: environment, exit status. */
  footer?: string;
};

/** A command line the program cannot run: one line naming what is wrong and the help to read. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Where to read more: the command's help when there is a command, else the program's. */
export function helpHint(program: ProgramSpec, command?: string): string {
  const name = program.name.replace(/ --$/, "");
  const dashes = program.name.endsWith(" --") ? " --" : "";
  return command && program.commands?.[command]
    ? `Run ${name}${dashes} ${command} --help.`
    : `Run ${name}${dashes} --help.`;
}

export type ParsedCommandLine = {
  command: string | undefined;
  positionals: string[];
  values: Record<string, string | boolean | string[] | undefined>;
  help: boolean;
};

/**
 * Parses `argv` against the program's options: an unknown option, a missing value or an unknown
 * command throws a `UsageError` naming it and the help to read; an option the command does not
 * take, too. `--help` anywhere asks for help, the command's if one is named.
 */
export function parseCommandLine(program: ProgramSpec, argv: string[]): ParsedCommandLine {
  const options = Object.fromEntries(
    Object.entries(program.options).map(([name, { type, short, multiple }]) => [
      name,
      { type, ...(short && { short }), ...(multiple && { multiple }) },
    ]),
  );
  const firstWord = argv.find((arg) => !arg.startsWith("-"));
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${describeParseError(error)} ${helpHint(program, firstWord)}`);
  }
  const values = parsed.values as ParsedCommandLine["values"];
  const help = values.help === true;
  const command = program.commands ? parsed.positionals[0] : undefined;
  const positionals = program.commands ? parsed.positionals.slice(1) : parsed.positionals;
  if (command !== undefined && !program.commands?.[command])
    throw new UsageError(`Unknown command "${command}". ${helpHint(program)}`);
  if (!help) {
    const own = command ? program.commands![command]!.options : (program.programOnly ?? []);
    const takes = new Set([...program.common, ...own]);
    const stray = Object.keys(values).filter((name) => values[name] !== undefined && !takes.has(name));
    if (stray.length > 0) {
      const where = command ? `to ${command}` : `here`;
      throw new UsageError(
        `${stray.map((name) => `--${name}`).join(", ")} does not apply ${where}. ${helpHint(program, command)}`,
      );
    }
  }
  return { command, positionals, values, help };
}

function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  const named = /'([^']+)'/.exec(message)?.[1];
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && named) return `Unknown option ${named}.`;
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && named) return `${named.split(/[ ,]/)[0]} needs a value.`;
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL" && named) return `Unexpected argument ${named}.`;
  return message.split("\n")[0]!;
}

function optionLines(program: ProgramSpec, names: string[]): string[] {
  const rows = names.map((name) => {
    const { short, value, description } = program.options[name]!;
    return [`--${name}${value ? ` ${value}` : ""}${short ? `, -${short}` : ""}`, description] as const;
  });
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, description]) => `  ${left.padEnd(width)}  ${description}`);
}

const section = (title: string, lines: string[]) => (lines.length > 0 ? [``, `${title}:`, ...lines] : []);

/** `<program> --help`: every command with its summary, the common options and the footer. */
export function programHelp(program: ProgramSpec): string {
  const commands = Object.entries(program.commands ?? {});
  const width = Math.max(0, ...commands.map(([name]) => name.length));
  const lines = [
    `${program.name.replace(/ --$/, "")}: ${program.summary}`,
    "",
    `Usage: ${program.name}${commands.length > 0 ? " <command>" : ""} [options]`,
    ...section(
      "Commands",
      commands.map(([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`),
    ),
    ...section("Options", optionLines(program, [...program.common, ...(program.programOnly ?? [])])),
    ...section(
      "Examples",
      (program.examples ?? []).map((example) => `  ${example}`),
    ),
  ];
  if (commands.length > 0) lines.push("", `${program.name} <command> --help tells a command's options and examples.`);
  if (program.footer) lines.push("", program.footer.trimEnd());
  return `${lines.join("\n")}\n`;
}

/** `<program> <command> --help`: its usage, what it does, its options (the common ones too), examples. */
export function commandHelp(program: ProgramSpec, name: string): string {
  const command = program.commands![name]!;
  const lines = [
    `Usage: ${program.name} ${name}${command.args ? ` ${command.args}` : ""}`,
    "",
    `  ${command.summary}`,
    ...(command.details
      ? command.details
          .trimEnd()
          .split("\n")
          .map((line) => `  ${line}`)
      : []),
    ...section("Options", optionLines(program, [...command.options, ...program.common])),
    ...section(
      "Examples",
      command.examples.map((example) => `  ${example}`),
    ),
  ];
  return `${lines.join("\n")}\n`;
}
