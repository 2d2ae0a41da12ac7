import type { handler as apiHandler } from "@oemr-reg/functions/api";
import type { Context, SQSEvent } from "aws-lambda";

type HttpApiEvent = Parameters<typeof apiHandler>[0];

export type HttpApiRequest = {
  method: string;
  path: string;
  sourceIp?: string;
  headers?: Record<string, string>;
  body?: string;
  base64?: boolean;
};

/** What API Gateway's HTTP API ($default route, payload 2.0) hands the API function. */
export function httpApiEvent({ method, path, sourceIp = "203.0.113.7", headers = {}, body, base64 = false }: HttpApiRequest): HttpApiEvent {
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: path,
    rawQueryString: "",
    headers: { host: "reg.example.org", ...headers },
    requestContext: {
      accountId: "000000000000",
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

export const lambdaContext = { functionName: "Api", getRemainingTimeInMillis: () => 10_000 } as Context;

/** The event Lambda's SQS event source hands a consumer for these message bodies. */
export function sqsEvent(queueArn: string, bodies: unknown[], receiveCount = 1): SQSEvent {
  return {
    Records: bodies.map((body) => ({
      messageId: crypto.randomUUID(),
      receiptHandle: crypto.randomUUID(),
      body: JSON.stringify(body),
      attributes: { ApproximateReceiveCount: String(receiveCount), SentTimestamp: "0", SenderId: "x", ApproximateFirstReceiveTimestamp: "0" },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: queueArn,
      awsRegion: "us-east-1",
    })),
  };
}
