// Preloaded (`node --import`) into an untimed run of a bundle: appends the path of every file the
// process imports to $RECORD_LOADS_TO, so the bundles case can tell which chunks a first event
// loads. Module hooks run on a thread of their own, so this file registers itself there.
import { appendFileSync } from "node:fs";
import { register } from "node:module";
import { fileURLToPath } from "node:url";
import { isMainThread } from "node:worker_threads";

if (isMainThread) register(import.meta.url);

export async function load(url, context, nextLoad) {
  if (url.startsWith("file:")) appendFileSync(process.env.RECORD_LOADS_TO, `${fileURLToPath(url)}\n`);
  return nextLoad(url, context);
}
