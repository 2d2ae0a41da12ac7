// Runs in a fresh Node process: imports one bundled handler and invokes it with each event of a
// JSON file in turn, as one Lambda instance would, then reports on fd 3 (stdout is the handler's
// log): when the first answer came (ms since this process began), how long the import took, and
// the peak resident memory. `bundle.ts` builds it into one plain file with the local runner's
// Lambda context, so that this process loads nothing but that file and the bundle.
// usage: node --import ./localhost-dns.mjs <this, built> <bundle.mjs> <events.json> <timeoutSeconds>
import { readFileSync, writeSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { createLambdaContext } from "@oemr-reg/local/lambda-events";

const [bundle, eventsFile, timeoutSeconds = "60"] = process.argv.slice(2);
const events = JSON.parse(readFileSync(eventsFile!, "utf8")) as unknown[];
const report = (line: unknown) => writeSync(3, `${JSON.stringify(line)}\n`);

const importStart = performance.now();
const { handler } = (await import(pathToFileURL(bundle!).href)) as {
  handler: (event: unknown, context: unknown) => Promise<unknown>;
};
const importMs = performance.now() - importStart;
const responses: unknown[] = [];
let firstAnswerMs: number | undefined;
let cpuAfterFirst: NodeJS.CpuUsage | undefined;
for (const event of events) {
  responses.push(await handler(event, createLambdaContext("bench", Number(timeoutSeconds))));
  // performance.now() counts from this process's start, so this includes Node's own start-up.
  firstAnswerMs ??= performance.now();
  cpuAfterFirst ??= process.cpuUsage();
}
const warmCpu = process.cpuUsage(cpuAfterFirst);
report({
  firstAnswerMs,
  importMs,
  totalMs: performance.now(),
  // What a warm instance spends: user and system CPU over every event after the first.
  warmCpuMs: (warmCpu.user + warmCpu.system) / 1000,
  // The kernel's high-water mark, in KiB: no sampling, whose timer would cost CPU that warmCpuMs counts.
  maxRssBytes: process.resourceUsage().maxRSS * 1024,
  responses,
});
// The SDK's keep-alive sockets would hold the process open.
process.exit(0);
