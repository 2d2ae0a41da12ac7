/**
 * What the CLI's exit status means, so a script can tell a wrong PIN from a server that is down.
 * Usage errors are 2, as for most Unix tools. Listed in docs/cli.md and spec.ts' footer; keep them in step.
 */
export const EXIT = {
  ok: 0,
  /** It cannot go on: a file that cannot be read, no terminal to prompt on, nothing to resume. */
  failed: 1,
  usage: 2,
  wrongPin: 3,
  lockedOut: 4,
  invalidMessage: 5,
  unavailable: 6,
  paused: 7,
  declined: 8,
  notFound: 9,
  /** `oemr-reg audit verify` found a record that does not fit the chain. */
  auditBroken: 10,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the board should read as one plain sentence, with the exit status it ends with. */
export class CliError extends Error {
  override name = "CliError";
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
  }
}
