import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll } from "vitest";

export type FaultRule = (send: { recipient: string; attempt: number }) => { code: string; message: string } | undefined;

/**
 * An HTTP proxy in front of the SES emulator that answers some SendRawEmail calls with the error
 * SES itself would return, so the real SDK and handler see a real failure on the wire.
 */
export async function startSesFaultProxy(target: string, rule: FaultRule): Promise<{ url: string; faults: () => number }> {
  const attempts = new Map<string, number>();
  let faults = 0;
  const server = createServer(async (request, response) => {
    const body = await readAll(request);
    const params = new URLSearchParams(body.toString());
    if (params.get("Action") === "SendRawEmail") {
      const raw = Buffer.from(params.get("RawMessage.Data") ?? "", "base64").toString();
      const recipient = /^To: (.+)$/m.exec(raw)?.[1]?.trim() ?? "";
      const attempt = (attempts.get(recipient) ?? 0) + 1;
      attempts.set(recipient, attempt);
      const fault = rule({ recipient, attempt });
      if (fault) {
        faults += 1;
        response.writeHead(400, { "content-type": "text/xml" });
        response.end(
          `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type><Code>${fault.code}</Code><Message>${fault.message}</Message></Error><RequestId>${crypto.randomUUID()}</RequestId></ErrorResponse>`,
        );
        return;
      }
    }
    const forwarded = await fetch(`${target}${request.url}`, {
      method: request.method,
      headers: Object.entries(request.headers).flatMap(([name, value]) => (typeof value === "string" && name !== "host" ? [[name, value]] : [])),
      body: request.method === "GET" ? undefined : body,
    });
    response.writeHead(forwarded.status, { "content-type": forwarded.headers.get("content-type") ?? "text/xml" });
    response.end(Buffer.from(await forwarded.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, faults: () => faults };
}

async function readAll(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
