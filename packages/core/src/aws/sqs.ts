import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";

/** A queue that work is sent to, as the domain sees it. */
export type WorkQueue<T> = {
  send(messages: T[]): Promise<void>;
};

/**
 * Sends JSON messages in batches of ten, resending entries SQS reports as failed, so a call that
 * returns has queued every message.
 */
export function createSqsQueue<T>(sqs: SQSClient, queueUrl: string): WorkQueue<T> {
  return {
    async send(messages) {
      for (let start = 0; start < messages.length; start += 10) {
        let entries = messages.slice(start, start + 10).map((message, index) => ({
          Id: String(index),
          MessageBody: JSON.stringify(message),
        }));
        for (let attempt = 1; entries.length > 0; attempt++) {
          const { Failed = [] } = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
          if (Failed.length > 0 && attempt === 5)
            throw new Error(`SQS refused ${Failed.length} messages: ${Failed[0]!.Code}`);
          const failedIds = new Set(Failed.map((failure) => failure.Id));
          entries = entries.filter((entry) => failedIds.has(entry.Id));
        }
      }
    },
  };
}

/**
 * Puts a failed message back later than its visibility timeout would, doubling with each receive
 * (2 s, 4 s, … up to 15 minutes), so a throttled or failing dependency is retried with backoff.
 */
export function createSqsBackoff(sqs: SQSClient, queueUrl: string) {
  return async function retryLater(receiptHandle: string, receiveCount: number): Promise<void> {
    const seconds = Math.min(900, 2 ** Math.max(1, receiveCount));
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
  };
}
