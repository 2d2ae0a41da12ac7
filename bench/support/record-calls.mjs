// Preloaded (`node --import`) into an untimed run of a bundle: appends every AWS call the process
// makes to $RECORD_CALLS_TO, one `<service>.<operation>` a line, so the bundles case can check that
// a handler's floor makes the very calls the handler's first event makes. The JSON protocols
// (DynamoDB, SQS) name the operation in `X-Amz-Target`; SES's query protocol in the body's `Action`.
import { subscribe } from "node:diagnostics_channel";
import { appendFileSync } from "node:fs";

const record = (call) => appendFileSync(process.env.RECORD_CALLS_TO, `${call}\n`);

subscribe("http.client.request.created", ({ request }) => {
  const target = request.getHeader("x-amz-target");
  if (typeof target === "string")
    return record(target.replace(/^DynamoDB_\d+\./, "dynamodb.").replace(/^AmazonSQS\./, "sqs."));
  const end = request.end;
  request.end = function recordedEnd(chunk, ...rest) {
    const action = /(?:^|&)Action=(\w+)/.exec(typeof chunk === "string" || Buffer.isBuffer(chunk) ? String(chunk) : "");
    record(action ? `ses.${action[1]}` : `unknown ${request.method} ${request.path}`);
    return end.call(this, chunk, ...rest);
  };
});
