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
export function invokeSqsHandler({ queueArn, ...fn }: FunctionOptions<SqsHandler> & { queueArn: string }): Invoke {
  const { functionName } = fn;
  return async (messages) => {
    const all = new Set(messages.map((message) => message.MessageId!));
    const event: SQSEvent = { Records: messages.map((message) => sqsRecord(message, queueArn)) };
    try {
      const response = await invokeOnce(fn, event);
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
  subscriptionArn,
  ...fn
}: FunctionOptions<SnsHandler> & { subscriptionArn: string }): Invoke {
  return async (messages) => {
    const failed = new Set<string>();
    for (const message of messages) {
      try {
        await invokeOnce(fn, { Records: [snsRecordOf(message, subscriptionArn)] });
      } catch (error) {
        logger.error("invocation failed", { functionName: fn.functionName, error: String(error) });
        failed.add(message.MessageId!);
      }
    }
    return failed;
  };
}

/** Invokes a scheduled function once with the event EventBridge sends; a failure is logged, as Lambda would. */
export function invokeScheduledHandler(fn: FunctionOptions<ScheduledHandler>): () => Promise<void> {
  return async () => {
    try {
      await invokeOnce(fn, scheduledEvent(fn.functionName));
    } catch (error) {
      logger.error("invocation failed", { functionName: fn.functionName, error: String(error) });
    }
  };
}

/** One invocation as Lambda makes it: a context of its own, and the function's timeout. */
function invokeOnce<E, R>(
  { handler, functionName, timeoutSeconds }: FunctionOptions<Handler<E, R>>,
  event: E,
): Promise<R> {
  const work = handler(event, createLambdaContext(functionName, timeoutSeconds));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Task timed out after ${timeoutSeconds} seconds`)),
      timeoutSeconds * 1000,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
