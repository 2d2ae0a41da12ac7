import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export type RecordedSend = { at: number; recipient: string };

/**
 * A proxy in front of the SES emulator that notes, to the millisecond, when each SendRawEmail
 * arrives and whom it is for (the emulator's own `at` is in whole seconds). Only sends the
 * emulator accepted are recorded.
 */
export async function startSesRecorder(target: string): Promise<{ url: string; sends: RecordedSend[]; close(): Promise<void> }> {
  const sends: RecordedSend[] = [];
  const server = createServer(async (request, response) => {
    const at = performance.timeOrigin + performance.now();
    const body = await readAll(request);
    const params = new URLSearchParams(body.toString());
    const recipient =
      params.get("Action") === "SendRawEmail"
        ? (/^To: (.+)$/m.exec(Buffer.from(params.get("RawMessage.Data") ?? "", "base64").toString())?.[1]?.trim() ?? "")
        : undefined;
    const forwarded = await fetch(`${target}${request.url}`, {
      method: request.method,
      headers: Object.entries(request.headers).flatMap(([name, value]) => (typeof value === "string" && name !== "host" ? [[name, value]] : [])),
      body: request.method === "GET" ? undefined : body,
    });
    if (recipient !== undefined && forwarded.ok) sends.push({ at, recipient });
    response.writeHead(forwarded.status, { "content-type": forwarded.headers.get("content-type") ?? "text/xml" });
    response.end(Buffer.from(await forwarded.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sends,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readAll(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
