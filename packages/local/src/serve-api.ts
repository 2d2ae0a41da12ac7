import type { AddressInfo } from "node:net";
import { type Http2Bindings, type HttpBindings, type ServerType, serve } from "@hono/node-server";
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
    const started = serve({ fetch: closeWhenUnread(app.fetch), port, hostname: "127.0.0.1" }, () => resolve(started));
    started.once("error", reject);
  });
  return { server, port: (server.address() as AddressInfo).port };
}

type Fetch = (request: Request, env: HttpBindings | Http2Bindings) => Response | Promise<Response>;

/**
 * `fetch`, its answer saying `Connection: close` when it came before the whole request body did
 * (a 413 over the size limit, a 401 or 429 before the body is read). Else the client would send
 * its next request on a connection whose unread rest the server still drains, then cuts.
 */
export function closeWhenUnread(fetch: Fetch): Fetch {
  return async function closingFetch(request, env) {
    const response = await fetch(request, env);
    if (env.incoming.complete) return response;
    const headers = new Headers(response.headers);
    headers.set("connection", "close");
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };
}
