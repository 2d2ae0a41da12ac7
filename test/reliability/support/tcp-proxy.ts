import type { AddressInfo } from "node:net";
import { connect, createServer, type Server, type Socket } from "node:net";
import { afterAll } from "vitest";

export type CutMode = "refuse" | "stall";

/**
 * A TCP proxy in front of a service that can make it unreachable for a while: `refuse` closes
 * every connection and refuses new ones (a host that is down), `stall` takes connections but
 * passes no byte either way until the cut ends (a network that drops packets), then lets the
 * held bytes through as TCP retransmission would.
 */
export async function startTcpProxy(
  target: string,
): Promise<{ url: string; cut: (mode: CutMode, ms: number) => Promise<void> }> {
  const { hostname, port: targetPort } = new URL(target);
  const open = new Set<Socket>();
  let stalled: Promise<void> | undefined;
  const handle = (client: Socket) => {
    const upstream = connect(Number(targetPort), hostname === "localhost" ? "127.0.0.1" : hostname);
    open.add(client).add(upstream);
    const pipe = (from: Socket, to: Socket) =>
      from.on("data", (chunk: Buffer) => {
        if (!stalled) return void to.write(chunk);
        from.pause();
        void stalled.then(() => {
          to.write(chunk);
          from.resume();
        });
      });
    pipe(client, upstream);
    pipe(upstream, client);
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.on("error", () => b.destroy());
      a.on("close", () => {
        open.delete(a);
        b.destroy();
      });
    }
  };
  let server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  afterAll(() => {
    for (const socket of open) socket.destroy();
    server.close();
  });

  async function cut(mode: CutMode, ms: number): Promise<void> {
    if (mode === "stall") {
      stalled = new Promise((resolve) => setTimeout(resolve, ms));
      await stalled;
      stalled = undefined;
      return;
    }
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of open) socket.destroy();
    });
    await new Promise((resolve) => setTimeout(resolve, ms));
    server = createServer(handle);
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  }
  return { url: `http://127.0.0.1:${port}`, cut };
}
