/**
 * `oemr-reg`: the board's command line. Run it as `npx oemr-reg <command>` or
 * `npm run cli -- <command>`; `oemr-reg --help` lists the commands.
 * @module
 */
import cliPackage from "../package.json" with { type: "json" };
import { createApiClient } from "./api.ts";
import { parseCommandLine } from "./args.ts";
import { broadcast, count, resume, status, usage } from "./commands.ts";
import { savedToken } from "./credentials.ts";
import { erase } from "./erase.ts";
import { CliError, EXIT, type ExitCode } from "./exit-codes.ts";
import { login } from "./login.ts";

const CLI_VERSION = cliPackage.version;

async function run(argv: string[]): Promise<ExitCode> {
  // These parse their own arguments; their help comes from the spec, as every command's.
  const asksHelp = argv.includes("--help") || argv.includes("-h");
  if (argv[0] === "login" && !asksHelp) return login(argv.slice(1), process.env);
  if (argv[0] === "draft" && !asksHelp) return (await import("./draft.ts")).draftCommand(argv.slice(1), process.env);
  // Loaded only for these: they bring the DynamoDB client and the local runner's settings.
  if ((argv[0] === "members" || argv[0] === "audit") && !asksHelp)
    return (await import("./operator.ts")).operatorCommand(argv);
  const args = parseCommandLine(argv, process.env);
  if (args.command === "help") {
    process.stdout.write(args.text);
    return args.exitCode;
  }
  if (args.command === "version") {
    process.stdout.write(`oemr-reg ${CLI_VERSION} on Node ${process.versions.node}\n`);
    return EXIT.ok;
  }
  // Ctrl-C while following stops following; the broadcast itself goes on on the server.
  const interrupt = new AbortController();
  process.on("SIGINT", () => interrupt.abort());
  const token = await savedToken(process.env, args.url);
  const context = { client: createApiClient(args.url), env: process.env, token, interrupt: interrupt.signal };
  switch (args.command) {
    case "count":
      return count(args, context);
    case "usage":
      return usage(args, context);
    case "broadcast":
      return broadcast(args, context);
    case "status":
      return status(args, context);
    case "resume":
      return resume(args, context);
    case "erase":
      return erase(args, context);
  }
}

try {
  process.exitCode = await run(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof CliError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = error.exitCode;
}
