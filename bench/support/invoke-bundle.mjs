// Runs in a fresh Node process: imports one bundled handler and invokes it with each event of a
// JSON file in turn, as one Lambda instance would, then reports on fd 3 (stdout is the handler's
// log): when the first answer came (ms since this process began), how long the import took, and
// the peak resident memory.
// usage: node --import ./localhost-dns.mjs invoke-bundle.mjs <bundle.mjs> <events.json> <timeoutSeconds>
import { readFileSync, writeSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [bundle, eventsFile, timeoutSeconds = "60"] = process.argv.slice(2);
let sampledPeak = process.memoryUsage.rss();
const sampler = setInterval(() => (sampledPeak = Math.max(sampledPeak, process.memoryUsage.rss())), 10);
const events = JSON.parse(readFileSync(eventsFile, "utf8"));
const report = (line) => writeSync(3, `${JSON.stringify(line)}\n`);

const importStart = performance.now();
const { handler } = await import(pathToFileURL(bundle).href);
const importMs = performance.now() - importStart;
const responses = [];
let firstAnswerMs;
for (const event of events) {
  const deadline = Date.now() + Number(timeoutSeconds) * 1000;
  responses.push(await handler(event, lambdaContext(deadline)));
  // performance.now() counts from this process's start, so this includes Node's own start-up.
  firstAnswerMs ??= performance.now();
}
clearInterval(sampler);
sampledPeak = Math.max(sampledPeak, process.memoryUsage.rss());
report({
  firstAnswerMs,
  importMs,
  totalMs: performance.now(),
  // resourceUsage().maxRSS is in KiB: the kernel's high-water mark, which sampling could miss.
  maxRssBytes: Math.max(process.resourceUsage().maxRSS * 1024, sampledPeak),
  responses,
});
// The SDK's keep-alive sockets would hold the process open.
process.exit(0);

function lambdaContext(deadline) {
  const requestId = crypto.randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: "bench",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:bench",
    memoryLimitInMB: "1024",
    awsRequestId: requestId,
    logGroupName: "/aws/lambda/bench",
    logStreamName: `bench/${requestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
}
