import type { SQSClient } from "@aws-sdk/client-sqs";
import type { StackSpec } from "@oemr-reg/core/resources";
import { runEventSource } from "./event-source.ts";
import { loadHandler } from "./handlers.ts";
import { invokeSnsHandler, invokeSqsHandler, type SnsHandler, type SqsHandler } from "./invoke.ts";
import type { ProvisionedStack } from "./provision.ts";

/**
 * Feeds every queue consumer and topic subscriber of a stack from its queue, with the real
 * handlers, until `signal` aborts. Resolves once every handler is loaded, with `stopped`, which
 * settles when all have stopped and drained.
 */
export async function startConsumers(
  spec: StackSpec,
  provisioned: ProvisionedStack,
  sqs: SQSClient,
  signal: AbortSignal,
): Promise<{ stopped: Promise<unknown> }> {
  const running: Promise<void>[] = [];
  for (const [name, queue] of Object.entries(spec.queues)) {
    if (!queue.consumer) continue;
    const { url, arn } = provisioned.queues[name]!;
    const { handler, timeoutSeconds, batchSize, maxConcurrency } = queue.consumer;
    const invoke = invokeSqsHandler({
      handler: await loadHandler<SqsHandler>(handler),
      functionName: name,
      timeoutSeconds,
      queueArn: arn,
    });
    running.push(runEventSource({ sqs, queueUrl: url, batchSize, concurrency: maxConcurrency, invoke, signal }));
  }
  const subscribers = new Set(Object.values(spec.topics).flatMap((topic) => Object.keys(topic.subscribers)));
  for (const delivery of provisioned.deliveries.filter(({ name }) => subscribers.has(name))) {
    const handler = await loadHandler<SnsHandler>(delivery.handler);
    const invoke = invokeSnsHandler({
      handler,
      functionName: delivery.name,
      timeoutSeconds: delivery.timeoutSeconds,
      subscriptionArn: delivery.subscriptionArn,
    });
    running.push(runEventSource({ sqs, queueUrl: delivery.queue.url, batchSize: 1, concurrency: 2, invoke, signal }));
  }
  return { stopped: Promise.all(running) };
}
