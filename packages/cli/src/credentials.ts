import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * Where `oemr-reg login` keeps personal tokens, one per server URL: the user's config folder
 * (`$XDG_CONFIG_HOME`, else `~/.config`), in a file only the user may read.
 */
export function tokenFile(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), ".config"), "oemr-reg", "tokens.json");
}

async function saved(env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  try {
    return JSON.parse(await readFile(tokenFile(env), "utf8")) as Record<string, string>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
}

/** The token for this server: `$OEMR_REG_TOKEN`, else the one `login` kept, else none (the PIN is asked). */
export async function savedToken(env: NodeJS.ProcessEnv, url: string): Promise<string | undefined> {
  return env.OEMR_REG_TOKEN || (await saved(env))[url];
}

/** Keeps the token for this server, mode 0600 in a folder of mode 0700. */
export async function saveToken(env: NodeJS.ProcessEnv, url: string, token: string): Promise<string> {
  const file = tokenFile(env);
  await mkdir(join(file, ".."), { recursive: true, mode: 0o700 });
  const tokens = { ...(await saved(env)), [url]: token };
  await writeFile(file, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
  // writeFile's mode applies only to a new file; one made before keeps its own.
  await chmod(file, 0o600);
  return file;
}

/** Whether a credential is a personal token rather than the PIN. */
export const isToken = (credential: string) => credential.startsWith("oemr_");
