import type { Message } from "@aws-sdk/client-sqs";
import { logger } from "@oemr-reg/core/log";
import type { Context, ScheduledEvent, SNSEvent, SNSEventRecord, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { Invoke } from "./event-source.ts";
import { createLambdaContext } from "./lambda-context.ts";

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
    const event: SQSEvent = { Records: messages.map((message) => toSqsRecord(message, queueArn)) };
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
        const event: SNSEvent = { Records: [toSnsRecord(message, subscriptionArn)] };
        await withTimeout(handler(event, createLambdaContext(functionName, timeoutSeconds)), timeoutSeconds);
      } catch (error) {
        logger.error("invocation failed", { functionName, error: String(error) });
        failed.add(message.MessageId!);
      }
    }
    return failed;
  };
}

function toSqsRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? "",
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? "1",
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? "000000000000",
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        {
          dataType: value.DataType ?? "String",
          stringValue: value.StringValue,
          binaryValue: value.BinaryValue ? Buffer.from(value.BinaryValue).toString("base64") : undefined,
          stringListValues: [],
          binaryListValues: [],
        },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: queueArn.split(":")[3] ?? "us-east-1",
  };
}

type SnsEnvelope = {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Subject?: string | null;
  Message: string;
  Timestamp: string;
  SignatureVersion?: string;
  Signature?: string;
  SigningCertURL?: string;
  UnsubscribeURL?: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
};

function toSnsRecord(message: Message, subscriptionArn: string): SNSEventRecord {
  const envelope = JSON.parse(message.Body ?? "") as SnsEnvelope;
  return {
    EventSource: "aws:sns",
    EventVersion: "1.0",
    EventSubscriptionArn: subscriptionArn,
    Sns: {
      Type: envelope.Type,
      MessageId: envelope.MessageId,
      TopicArn: envelope.TopicArn,
      Subject: envelope.Subject ?? "",
      Message: envelope.Message,
      Timestamp: envelope.Timestamp,
      SignatureVersion: envelope.SignatureVersion ?? "1",
      Signature: envelope.Signature ?? "",
      SigningCertUrl: envelope.SigningCertURL ?? "",
      UnsubscribeUrl: envelope.UnsubscribeURL ?? "",
      MessageAttributes: envelope.MessageAttributes ?? {},
    },
  };
}

/** Invokes a scheduled function once with the event EventBridge sends; a failure is logged, as Lambda would. */
export function invokeScheduledHandler({ handler, functionName, timeoutSeconds }: FunctionOptions<ScheduledHandler>): () => Promise<void> {
  return async () => {
    const event: ScheduledEvent = {
      version: "0",
      id: crypto.randomUUID(),
      "detail-type": "Scheduled Event",
      source: "aws.events",
      account: "000000000000",
      time: new Date().toISOString(),
      region: "us-east-1",
      resources: [`arn:aws:events:us-east-1:000000000000:rule/${functionName}`],
      detail: {},
    };
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
