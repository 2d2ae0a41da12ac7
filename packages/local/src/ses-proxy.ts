import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export type RecordedSend = {
  at: number;
  recipient: string;
  /** The exact `RawMessage.Data` SES was given, when the proxy keeps messages (`keepRaw`). */
  raw?: Buffer;
};

/** Which SendRawEmail calls fail, with the error SES would answer; undefined passes the call on. */
export type FaultRule = (send: { recipient: string; attempt: number }) => { code: string; message: string } | undefined;

export type SesProxy = {
  url: string;
  /** Each SendRawEmail the emulator accepted: when it arrived, to the millisecond, and whom it was for. */
  sends: RecordedSend[];
  /** How many calls `fault` failed. */
  faults(): number;
  close(): Promise<void>;
};

/**
 * An HTTP proxy in front of the SES emulator, for tests and the bench: notes when each SendRawEmail
 * arrives and whom it is for (the emulator's own `at` is in whole seconds), and answers the calls
 * `fault` picks with the error SES itself would return, so the real SDK and handler see a real
 * failure on the wire. Attempts are counted per recipient. With `keepRaw`, it keeps each message
 * as sent, byte for byte, which the emulator's `/store` does not (it keeps parsed fields): the
 * signature tests verify those bytes. It listens on loopback only and exists only in tests.
 */
export async function startSesProxy(
  target: string,
  { fault, keepRaw = false }: { fault?: FaultRule; keepRaw?: boolean } = {},
): Promise<SesProxy> {
  const sends: RecordedSend[] = [];
  const attempts = new Map<string, number>();
  let faults = 0;
  const server = createServer(async (request, response) => {
    const at = performance.timeOrigin + performance.now();
    const body = await readAll(request);
    const params = new URLSearchParams(body.toString());
    const raw =
      params.get("Action") === "SendRawEmail" ? Buffer.from(params.get("RawMessage.Data") ?? "", "base64") : undefined;
    const recipient = raw && (/^To: (.+)$/m.exec(raw.toString())?.[1]?.trim() ?? "");
    if (recipient !== undefined) {
      const attempt = (attempts.get(recipient) ?? 0) + 1;
      attempts.set(recipient, attempt);
      const refused = fault?.({ recipient, attempt });
      if (refused) {
        faults += 1;
        response.writeHead(400, { "content-type": "text/xml" });
        response.end(
          `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type>` +
            `<Code>${refused.code}</Code><Message>${refused.message}</Message></Error>` +
            `<RequestId>${crypto.randomUUID()}</RequestId></ErrorResponse>`,
        );
        return;
      }
    }
    const forwarded = await fetch(`${target}${request.url}`, {
      method: request.method,
      headers: Object.entries(request.headers).flatMap(([name, value]) =>
        typeof value === "string" && name !== "host" ? [[name, value]] : [],
      ),
      body: request.method === "GET" ? undefined : body,
    });
    if (recipient !== undefined && forwarded.ok) sends.push({ at, recipient, ...(keepRaw && { raw }) });
    response.writeHead(forwarded.status, { "content-type": forwarded.headers.get("content-type") ?? "text/xml" });
    response.end(Buffer.from(await forwarded.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sends,
    faults: () => faults,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readAll(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
