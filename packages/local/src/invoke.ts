import { logger } from "@oemr-reg/core/log";
import type { Context, ScheduledEvent, SNSEvent, SQSBatchResponse, SQSEvent } from "aws-lambda";
import type { Invoke } from "./event-source.ts";
import { createLambdaContext, scheduledEvent, snsRecordOf, sqsRecord } from "./lambda-events.ts";

export type Handler<E, R> = (event: E, context: Context) => Promise<R>;
export type SqsHandler = Handler<SQSEvent, SQSBatchResponse | void>;
export type SnsHandler = Handler<SNSEvent, unknown>;
export type ScheduledHandler = Handler<ScheduledEvent, unknown>;

type FunctionOptions<H> = { handler: H; functionName: string; timeoutSeconds: number };

/**
 * Invokes an SQS consumer with the event Lambda would build, and reads its partial batch response
 * the way Lambda does: a throw, a timeout or a malformed report fails the whole batch.
 */
export function invokeSqsHandler({
  handler,
  functionName,
  timeoutSeconds,
  queueArn,
}: FunctionOptions<SqsHandler> & { queueArn: string }): Invoke {
  return async (messages) => {
    const all = new Set(messages.map((message) => message.MessageId!));
    const event: SQSEvent = { Records: messages.map((message) => sqsRecord(message, queueArn)) };
    try {
      const response = await withTimeout(handler(event, createLambdaContext(functionName, timeoutSeconds)), timeoutSeconds);
      const failures = response?.batchItemFailures ?? [];
      if (failures.some(({ itemIdentifier }) => !all.has(itemIdentifier))) {
        logger.error("batch response names an unknown message: the whole batch fails", { functionName });
        return all;
      }
      return new Set(failures.map(({ itemIdentifier }) => itemIdentifier));
    } catch (error) {
      logger.error("invocation failed", { functionName, error: String(error) });
      return all;
    }
  };
}

/**
 * Invokes an SNS subscriber with one notification per event, as SNS does. The notification comes
 * from a delivery queue subscribed to the topic, so a failed invocation is retried on redelivery
 * and, past its retries, kept in that queue's dead-letter queue like Lambda's on-failure destination.
 */
export function invokeSnsHandler({
  handler,
  functionName,
  timeoutSeconds,
  subscriptionArn,
}: FunctionOptions<SnsHandler> & { subscriptionArn: string }): Invoke {
  return async (messages) => {
    const failed = new Set<string>();
    for (const message of messages) {
      try {
        const event: SNSEvent = { Records: [snsRecordOf(message, subscriptionArn)] };
        await withTimeout(handler(event, createLambdaContext(functionName, timeoutSeconds)), timeoutSeconds);
      } catch (error) {
        logger.error("invocation failed", { functionName, error: String(error) });
        failed.add(message.MessageId!);
      }
    }
    return failed;
  };
}

/** Invokes a scheduled function once with the event EventBridge sends; a failure is logged, as Lambda would. */
export function invokeScheduledHandler({ handler, functionName, timeoutSeconds }: FunctionOptions<ScheduledHandler>): () => Promise<void> {
  return async () => {
    const event = scheduledEvent(functionName);
    try {
      await withTimeout(handler(event, createLambdaContext(functionName, timeoutSeconds)), timeoutSeconds);
    } catch (error) {
      logger.error("invocation failed", { functionName, error: String(error) });
    }
  };
}

function withTimeout<T>(work: Promise<T>, seconds: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Task timed out after ${seconds} seconds`)), seconds * 1000);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
