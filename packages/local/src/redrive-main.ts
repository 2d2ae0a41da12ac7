/**
 * `npm run redrive -- --queue SendDlq [--stage local]`: moves a dead-letter queue's messages back
 * to the queue they came from, on the stack `npm start` runs (its SQS port follows `PORT`, or
 * `SQS_PORT`). Prints `{"queue", "to", "moved"}` as JSON. On AWS, use SQS's own redrive (docs/operations.md, redrive).
 * @module
 */
import { SQSClient } from "@aws-sdk/client-sqs";
import { stack } from "@oemr-reg/core/resources";
import { z } from "zod";
import { useEmulators } from "./aws-env.ts";
import { LocalConfig } from "./config.ts";
import { deadLetterQueues, localQueueUrl, redrive, sourceQueueOf } from "./redrive.ts";
import { REDRIVE, refuseOptions, scriptOptions } from "./script-specs.ts";

const Args = z.object({
  queue: z.enum(deadLetterQueues(stack) as [string, ...string[]]),
  stage: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/)
    .optional(),
});

try {
  const { help: _, ...values } = scriptOptions(REDRIVE, process.argv.slice(2));
  const args = Args.parse(values);
  const config = LocalConfig.parse(process.env);
  const sqsEndpoint = `http://localhost:${config.ports.sqs}`;
  useEmulators({ dynamodb: "", sqs: sqsEndpoint, sns: sqsEndpoint, ses: "" });
  const sqs = new SQSClient({});
  const stage = args.stage ?? config.stage;
  const to = sourceQueueOf(stack, args.queue);
  const moved = await redrive(sqs, {
    from: await localQueueUrl(sqs, stage, args.queue),
    to: await localQueueUrl(sqs, stage, to),
  });
  console.log(JSON.stringify({ queue: args.queue, to, moved }));
} catch (error) {
  if (error instanceof z.ZodError) refuseOptions(REDRIVE, error);
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
