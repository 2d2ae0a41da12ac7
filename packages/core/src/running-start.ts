/**
 * The file `npm start` keeps in its data folder while it runs, saying where its API listens, so
 * that the board's CLI in the same checkout finds it without `--url` (PORT may not be 3000).
 * @module
 */

/** Its name inside DATA_DIR. */
export const RUNNING_FILE = "running.json";

/** What it holds: the API's URL and the runner's process id, to tell a live runner from a crashed one. */
export type RunningStart = { apiUrl: string; pid: number };

/** The URL of the runner the file describes, if that process is still alive. */
export function liveApiUrl(text: string | undefined, isAlive: (pid: number) => boolean): string | undefined {
  if (!text) return undefined;
  try {
    const { apiUrl, pid } = JSON.parse(text) as Partial<RunningStart>;
    return typeof apiUrl === "string" && typeof pid === "number" && isAlive(pid) ? apiUrl : undefined;
  } catch {
    return undefined;
  }
}
