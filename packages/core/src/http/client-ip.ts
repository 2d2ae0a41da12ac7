import type { Context } from "hono";

type RuntimeBindings = {
  /** Set by `hono/aws-lambda`: API Gateway's view of the caller. */
  requestContext?: { http?: { sourceIp?: string } };
  /** Set by `@hono/node-server`: the socket the request came in on. */
  incoming?: { socket?: { remoteAddress?: string } };
};

/**
 * The caller's address under either runtime that serves the app, so that the app itself need not
 * be told where it runs. API Gateway's `sourceIp` is the real client, not a forwarded header.
 */
export function clientIp(c: Context): string | undefined {
  const env = c.env as RuntimeBindings | undefined;
  return env?.requestContext?.http?.sourceIp ?? env?.incoming?.socket?.remoteAddress;
}
