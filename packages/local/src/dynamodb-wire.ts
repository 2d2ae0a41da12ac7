import type { Agent, IncomingMessage } from "node:http";
import { request } from "node:http";

// DynamoDB's wire format, as the conflict proxy speaks it: requests passed on whole, and errors in
// the shape and status DynamoDB gives them, so the SDK raises the exceptions it raises on AWS.

export const ONGOING = "Transaction is ongoing for the item";

/** Sends the request to DynamoDB Local and waits for its whole answer. */
export function forwardWhole(
  target: URL,
  agent: Agent,
  incoming: IncomingMessage,
  body: Buffer,
): Promise<{ status: number; headers: IncomingMessage["headers"]; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
        agent,
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => chunks.push(chunk));
        answer.on("end", () =>
          resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(chunks) }),
        );
        answer.on("error", reject);
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

export function transactionCanceled(reasons: string[]) {
  return dynamoError("TransactionCanceledException", {
    CancellationReasons: reasons.map((code) => (code === "None" ? { Code: code } : { Code: code, Message: ONGOING })),
    Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.join(", ")}]`,
  });
}

/** An error as DynamoDB's JSON protocol carries it: the type in `__type`, status 400 for client errors. */
export function dynamoError(type: string, fields: Record<string, unknown>, status = 400) {
  const body = Buffer.from(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, ...fields }));
  return {
    status,
    headers: {
      "content-type": "application/x-amz-json-1.0",
      "content-length": String(body.length),
      "x-amzn-requestid": crypto.randomUUID(),
    },
    body,
  };
}
