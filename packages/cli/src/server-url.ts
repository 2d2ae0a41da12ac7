import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { liveApiUrl, RUNNING_FILE } from "@oemr-reg/core/running-start";
import { DEFAULT_URL } from "./spec.ts";

// This checkout's root, where `npm start` keeps `.data/` unless DATA_DIR says otherwise (relative to it:
// npm runs scripts from the root).
const CHECKOUT = new URL("../../../", import.meta.url).pathname;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but another user's.
    return (error as { code?: string }).code === "EPERM";
  }
}

/**
 * The server to talk to: `--url`, else `OEMR_REG_URL`, else the `npm start` running in this
 * checkout (its data folder says where), else npm start's default address.
 */
export function serverUrl(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag !== undefined) return flag;
  if (env.OEMR_REG_URL) return env.OEMR_REG_URL;
  const dataDir = resolve(CHECKOUT, env.DATA_DIR || ".data");
  let text: string | undefined;
  try {
    text = readFileSync(join(dataDir, RUNNING_FILE), "utf8");
  } catch {
    text = undefined;
  }
  return liveApiUrl(text, isAlive) ?? DEFAULT_URL;
}

/** Where a member approves a draft, with its passkey: the console's page of the draft. */
export const consoleDraftUrl = (url: string, draftId: string) =>
  `${url.replace(/\/+$/, "")}/console/drafts/${encodeURIComponent(draftId)}`;
