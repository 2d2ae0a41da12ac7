import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import type { StackSpec } from "@oemr-reg/core/resources";
import type { Hono } from "hono";
import { loadHandlerModule } from "./handlers.ts";

export type ServedApi = { server: ServerType; port: number };

/**
 * Serves the API function's own Hono `app` (the module its handler string names) on loopback, as
 * API Gateway would put it in front of the Lambda. Port 0 takes a free one.
 */
export async function serveApi(spec: StackSpec, port: number): Promise<ServedApi> {
  const { module } = await loadHandlerModule(spec.api.handler);
  const app = module.app as Hono;
  const server = await new Promise<ServerType>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, () => resolve(started));
    started.once("error", reject);
  });
  return { server, port: (server.address() as AddressInfo).port };
}
