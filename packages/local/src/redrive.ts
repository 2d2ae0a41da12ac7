import {
  DeleteMessageBatchCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { appName, type StackSpec } from "@oemr-reg/core/resources";

/** The queue whose messages a dead-letter queue of the stack receives, e.g. `Send` for `SendDlq`. */
export function sourceQueueOf(spec: StackSpec, dlq: string): string {
  const source = Object.entries(spec.queues).find(([, queue]) => queue.dlq?.queue === dlq)?.[0];
  if (!source)
    throw new Error(`${dlq} is not a dead-letter queue of the stack; they are ${deadLetterQueues(spec).join(", ")}`);
  return source;
}

export function deadLetterQueues(spec: StackSpec): string[] {
  return Object.values(spec.queues).flatMap((queue) => (queue.dlq ? [queue.dlq.queue] : []));
}

/**
 * Moves every message of a dead-letter queue back to its source queue, as SQS's own redrive
 * (`StartMessageMoveTask`, which fauxqs lacks) does: body and attributes kept, each message
 * deleted from the DLQ only once the source queue has it. Resolves with how many moved.
 */
export async function redrive(sqs: SQSClient, { from, to }: { from: string; to: string }): Promise<number> {
  let moved = 0;
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: from,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 60,
        MessageAttributeNames: ["All"],
      }),
    );
    if (Messages.length === 0) return moved;
    const entries = Messages.map((message, index) => ({
      Id: String(index),
      MessageBody: message.Body!,
      MessageAttributes: message.MessageAttributes,
    }));
    const { Failed = [] } = await sqs.send(new SendMessageBatchCommand({ QueueUrl: to, Entries: entries }));
    const failed = new Set(Failed.map((failure) => failure.Id));
    const sent = Messages.filter((_, index) => !failed.has(String(index)));
    if (sent.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: from,
          Entries: sent.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! })),
        }),
      );
    }
    moved += sent.length;
    if (failed.size > 0)
      throw new Error(`SQS refused ${failed.size} messages: ${Failed[0]!.Code}; ${moved} moved, run again`);
  }
}

/** A stage's queue URL by its stack name, as the local runner provisions it (`oemr-reg-<stage>-<Name>`). */
export async function localQueueUrl(sqs: SQSClient, stage: string, name: string): Promise<string> {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: `${appName}-${stage}-${name}` }));
  return QueueUrl!;
}
