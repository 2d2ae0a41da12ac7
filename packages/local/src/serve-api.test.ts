import { Agent, request as httpRequest } from "node:http";
import { stack } from "@oemr-reg/core/resources";
import { afterAll, describe, expect, it } from "vitest";
import { serveApi } from "./serve-api.ts";

const { server, port } = await serveApi(stack, 0);
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

type Answer = { status: number; connection: string | undefined; socket: number };

/** One request on `agent`, its answer read to the end; `socket` tells connections apart. */
function send(agent: Agent, method: string, path: string, body?: Buffer, headers = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, method, path, agent, headers }, (res) => {
      res.resume();
      res.on("end", () =>
        resolve({ status: res.statusCode!, connection: res.headers.connection, socket: req.socket!.localPort! }),
      );
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("the local server, after answering a body it did not read", () => {
  it.each([
    ["413, over the size limit", "/api/registration", "application/x-www-form-urlencoded", 413],
    ["401, a wrong PIN, checked before the body is read", "/api/registration/broadcast", "text/plain", 401],
  ])(
    "closes the connection it answered early (%s), and the next request on the agent succeeds",
    async (_, path, type, status) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const big = Buffer.alloc(1024 * 1024, "a");
      const first = await send(agent, "POST", path, big, { "content-type": type, "x-secret-pin": "wrong" });
      expect(first.status).toBe(status);
      expect(first.connection).toBe("close");
      const second = await send(agent, "GET", "/api/registration/unique");
      expect(second.status).toBe(200);
      agent.destroy();
    },
  );

  it("keeps a connection alive when it read the whole body", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const body = Buffer.from("email=not-an-address");
    const first = await send(agent, "POST", "/api/registration", body, {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect([first.status, first.connection]).toEqual([400, "keep-alive"]);
    const second = await send(agent, "GET", "/api/registration/unique");
    expect([second.status, second.socket]).toEqual([200, first.socket]);
    agent.destroy();
  });
});
