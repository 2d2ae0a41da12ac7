/**
 * What the CLI's exit status means, so a script can tell a wrong PIN from a server that is down.
 * Listed in docs/cli.md; keep the two in step.
 */
export const EXIT = {
  ok: 0,
  usage: 1,
  wrongPin: 2,
  lockedOut: 3,
  invalidMessage: 4,
  unavailable: 5,
  paused: 6,
  declined: 7,
  notFound: 8,
  auditBroken: 9,
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
