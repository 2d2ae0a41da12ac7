import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { logger } from "@oemr-reg/core/log";

/** Runs one invocation for a batch and names the messages that failed in it. */
export type Invoke = (messages: Message[]) => Promise<Set<string>>;

export type EventSourceOptions = {
  sqs: SQSClient;
  queueUrl: string;
  /** Messages per invocation, at most 10 (one receive). */
  batchSize: number;
  /** Invocations running at once, as `maximumConcurrency` caps them on AWS. */
  concurrency: number;
  invoke: Invoke;
  signal: AbortSignal;
};

/**
 * Feeds a queue to a function as Lambda's event source mapping does: long-polls, invokes with a
 * batch, deletes what succeeded and leaves the failures to reappear after their visibility timeout,
 * so that retries and the dead-letter queue behave as deployed. Resolves once stopped and drained.
 */
export async function runEventSource({ concurrency, ...options }: EventSourceOptions): Promise<void> {
  await Promise.all(Array.from({ length: concurrency }, () => pollLoop(options)));
}

async function pollLoop({ sqs, queueUrl, batchSize, invoke, signal }: Omit<EventSourceOptions, "concurrency">) {
  while (!signal.aborted) {
    let messages: Message[];
    try {
      const received = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: batchSize,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ["All"],
          MessageAttributeNames: ["All"],
        }),
        { abortSignal: signal },
      );
      messages = received.Messages ?? [];
    } catch (error) {
      if (signal.aborted) return;
      logger.warn("queue receive failed", { queueUrl, error: String(error) });
      await pause(1000);
      continue;
    }
    if (messages.length === 0) continue;
    const failed = await invoke(messages);
    const done = messages.filter((message) => !failed.has(message.MessageId!));
    await deleteMessages(sqs, queueUrl, done);
  }
}

async function deleteMessages(sqs: SQSClient, queueUrl: string, messages: Message[]) {
  for (let start = 0; start < messages.length; start += 10) {
    const entries = messages.slice(start, start + 10).map((message, index) => ({
      Id: String(index),
      ReceiptHandle: message.ReceiptHandle!,
    }));
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
