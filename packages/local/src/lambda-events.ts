/**
 * What Lambda hands a function: the event of each trigger this stack uses (API Gateway's HTTP API,
 * SQS, SNS, EventBridge's schedule) and the context. The local runner builds them from what the
 * emulators deliver; tests and the bench build them to call a handler directly.
 * @module
 */
import type { Message } from "@aws-sdk/client-sqs";
import type { handler as apiHandler } from "@oemr-reg/functions/api";
import type { Context, ScheduledEvent, SNSEvent, SNSEventRecord, SQSEvent, SQSRecord } from "aws-lambda";

const REGION = "us-east-1";
const ACCOUNT = "000000000000";

/**
 * The context Lambda hands a handler, whose remaining time counts down from `timeoutSeconds` like
 * the real one's; with `countDown: false` it stays at `timeoutSeconds` however late it is asked.
 */
export function createLambdaContext(functionName: string, timeoutSeconds: number, { countDown = true } = {}): Context {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const requestId = crypto.randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: "1024",
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${requestId}`,
    getRemainingTimeInMillis: countDown ? () => Math.max(0, deadline - Date.now()) : () => timeoutSeconds * 1000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** For a test that calls handlers directly, one after another: 10 seconds remain at every call. */
export const lambdaContext = createLambdaContext("Api", 10, { countDown: false });

export type HttpApiEvent = Parameters<typeof apiHandler>[0];

export type HttpApiRequest = {
  method: string;
  path: string;
  sourceIp?: string;
  headers?: Record<string, string>;
  body?: string;
  base64?: boolean;
};

/** What API Gateway's HTTP API ($default route, payload 2.0) hands the API function. */
export function httpApiEvent({
  method,
  path,
  sourceIp = "203.0.113.7",
  headers = {},
  body,
  base64 = false,
}: HttpApiRequest): HttpApiEvent {
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: path,
    rawQueryString: "",
    headers: { host: "reg.example.org", ...headers },
    requestContext: {
      accountId: ACCOUNT,
      apiId: "api",
      domainName: "reg.example.org",
      domainPrefix: "reg",
      authentication: null,
      authorizer: {},
      http: { method, path, protocol: "HTTP/1.1", sourceIp, userAgent: "OpenEMR" },
      requestId: crypto.randomUUID(),
      routeKey: "$default",
      stage: "$default",
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    body: base64 && body ? Buffer.from(body).toString("base64") : (body ?? null),
    isBase64Encoded: base64,
  };
}

/** The event Lambda's SQS event source hands a consumer for these message bodies (each sent as JSON). */
export function sqsEvent(queueArn: string, bodies: unknown[], receiveCount = 1): SQSEvent {
  const messages = bodies.map((body) => ({
    MessageId: crypto.randomUUID(),
    ReceiptHandle: crypto.randomUUID(),
    Body: JSON.stringify(body),
    Attributes: { ApproximateReceiveCount: String(receiveCount) },
  }));
  return { Records: messages.map((message) => sqsRecord(message, queueArn)) };
}

/** One SQS message as Lambda's event source hands it to a consumer. */
export function sqsRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? "",
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? "1",
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? ACCOUNT,
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
    awsRegion: queueArn.split(":")[3] ?? REGION,
  };
}

/** What SNS delivers to a subscribed queue: the notification, as JSON, in the message's body. */
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

/** The event SNS hands a subscriber for one notification of `message` on a topic. */
export function snsEvent(topicArn: string, message: string): SNSEvent {
  const envelope = {
    Type: "Notification",
    MessageId: crypto.randomUUID(),
    TopicArn: topicArn,
    Message: message,
    Timestamp: new Date().toISOString(),
  };
  return { Records: [snsRecord(envelope, `${topicArn}:${crypto.randomUUID()}`)] };
}

/** A notification that reached a subscriber's delivery queue, as SNS would hand it to the subscriber. */
export function snsRecordOf(message: Message, subscriptionArn: string): SNSEventRecord {
  return snsRecord(JSON.parse(message.Body ?? "") as SnsEnvelope, subscriptionArn);
}

function snsRecord(envelope: SnsEnvelope, subscriptionArn: string): SNSEventRecord {
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

/** The event EventBridge sends a function on its schedule. */
export function scheduledEvent(functionName: string): ScheduledEvent {
  return {
    version: "0",
    id: crypto.randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: ACCOUNT,
    time: new Date().toISOString(),
    region: REGION,
    resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/${functionName}`],
    detail: {},
  };
}
