/**
 * Where tests write what docs/ shows (the console's screenshots, the reliability summary): the
 * committed files only when asked (`npm run docs:update` sets DOCS_UPDATE=1), else an ignored
 * folder, so that the tests leave the tree as they found it.
 * @module
 */
const ROOT = new URL("../../", import.meta.url);

export const updatingDocs = process.env.DOCS_UPDATE === "1";

/** `docs/<folder>/<name>` when updating the docs, else `.artifacts/<folder>/<name>`. */
export function screenshotPath(name: string, folder = "console"): string {
  return new URL(`${updatingDocs ? "docs" : ".artifacts"}/${folder}/${name}`, ROOT).pathname;
}

/** test/reliability/results.json when updating the docs, else results.local.json beside it. */
export function reliabilityResultsPath(): URL {
  return new URL(`test/reliability/results${updatingDocs ? "" : ".local"}.json`, ROOT);
}
