import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ROOT } from "./bundle.ts";

/** What API Gateway's HTTP API ($default route, payload 2.0) hands the API function. */
export function httpApiEvent(method: string, path: string) {
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: path,
    rawQueryString: "",
    headers: { host: "reg.bench.example.org", "user-agent": "bench" },
    requestContext: {
      accountId: "000000000000",
      apiId: "api",
      domainName: "reg.bench.example.org",
      domainPrefix: "reg",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "203.0.113.7", userAgent: "bench" },
      requestId: crypto.randomUUID(),
      routeKey: "$default",
      stage: "$default",
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    isBase64Encoded: false,
  };
}

/** An SQS event as Lambda's event source mapping builds it, one record per body. */
export function sqsEvent(queueArn: string, bodies: unknown[]) {
  return {
    Records: bodies.map((body) => ({
      messageId: crypto.randomUUID(),
      receiptHandle: `bench-${crypto.randomUUID()}`,
      body: JSON.stringify(body),
      attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: String(Date.now()),
        SenderId: "000000000000",
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: queueArn,
      awsRegion: "us-east-1",
    })),
  };
}

/** An SNS event carrying one of the SES notifications the tests record (test/fixtures/ses). */
export function sesNotificationEvent(topicArn: string, fixture: string) {
  const message = readFileSync(resolve(ROOT, "test/fixtures/ses", fixture), "utf8");
  return {
    Records: [
      {
        EventSource: "aws:sns",
        EventVersion: "1.0",
        EventSubscriptionArn: `${topicArn}:${crypto.randomUUID()}`,
        Sns: {
          Type: "Notification",
          MessageId: crypto.randomUUID(),
          TopicArn: topicArn,
          Subject: "",
          Message: message,
          Timestamp: new Date().toISOString(),
          SignatureVersion: "1",
          Signature: "",
          SigningCertUrl: "",
          UnsubscribeUrl: "",
          MessageAttributes: {},
        },
      },
    ],
  };
}
