import { connect, createServer } from "node:net";

/** A loopback port that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/**
 * Tried where the emulators will listen, on loopback, which also fails when something listens on
 * every interface.
 * @throws Error naming the setting to change when something already listens on `port`.
 */
export async function requireFreePort(port: number, setting: string): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
  if (!free) throw new Error(`Port ${port} is in use: stop what listens there or set ${setting} to another port.`);
}

/** Whether something accepts connections on this loopback port now. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * A `PORT` whose three successors, the emulators' default ports, are free too. It is drawn below
 * the kernel's ephemeral range, where servers opened on port 0 cannot take it.
 */
export async function freePortBlock(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const taken = await Promise.all([0, 1, 2, 3].map((offset) => isListening(port + offset)));
    if (!taken.includes(true)) return port;
  }
}
