import { type Agent, createServer, type IncomingMessage, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

// DynamoDB's wire format, as the conflict proxy speaks it: requests passed on whole, and errors in
// the shape and status DynamoDB gives them, so the SDK raises the exceptions it raises on AWS.

export const ONGOING = "Transaction is ongoing for the item";

/** Sends the request to DynamoDB Local and waits for its whole answer. */
export function forwardWhole(target: URL, agent: Agent, incoming: IncomingMessage, body: Buffer): Promise<Whole> {
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

type Whole = { status: number; headers: IncomingMessage["headers"]; body: Buffer };

/** Serves each request once its whole body is in; a failure answers as a failing DynamoDB does. */
export async function serveWhole(
  port: number,
  host: string,
  handle: (incoming: IncomingMessage, body: Buffer) => Promise<Whole>,
): Promise<{ server: Server; port: number }> {
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      handle(incoming, Buffer.concat(chunks))
        // DynamoDB Local unreachable, or a body it would refuse anyway.
        .catch((error: unknown) => dynamoError("InternalServerError", { message: `Conflict proxy: ${error}` }, 500))
        .then(({ status, headers, body }) => {
          outgoing.writeHead(status, headers);
          outgoing.end(body);
        });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
