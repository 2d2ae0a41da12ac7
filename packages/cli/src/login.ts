import { createApiClient } from "./api.ts";
import { saveToken } from "./credentials.ts";
import { CliError, EXIT, type ExitCode } from "./exit-codes.ts";
import { serverUrl } from "./server-url.ts";
import { askSecret } from "./terminal.ts";

/**
 * `oemr-reg login [--url …]`: asks for a personal token (made in the console, shown there once),
 * or reads `$OEMR_REG_TOKEN`, checks it with the server, and keeps it for every command after.
 */
export async function login(argv: string[], env: NodeJS.ProcessEnv, out = process.stdout): Promise<ExitCode> {
  const [flag, value, ...extra] = argv;
  if ((flag !== undefined && flag !== "--url") || (flag && !value) || extra.length)
    throw new CliError(EXIT.usage, "oemr-reg login takes only --url <url>");
  const url = serverUrl(value, env).replace(/\/+$/, "");
  const token = env.OEMR_REG_TOKEN || (await askSecret("Personal token (not shown as you type): "));
  const caller = await createApiClient(url).whoami(token);
  if (caller.kind !== "member") throw new CliError(EXIT.usage, "That is the PIN, not a personal token.");
  const file = await saveToken(env, url, token);
  out.write(`Signed in to ${url} as ${caller.name} (${caller.roles.join(", ")}). Token kept in ${file}.\n`);
  return EXIT.ok;
}
