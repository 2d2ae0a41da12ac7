import { Hono } from "hono";
import { logger } from "../log.ts";
import { broadcastRoutes, type BroadcastRoutesDeps } from "./broadcast-routes.ts";
import { errorResponse } from "./errors.ts";
import { confirmRoutes, unsubscribeRoutes } from "./link-routes.ts";
import { registrationRoutes, type RegistrationRoutesDeps } from "./registration-routes.ts";

export type AppDeps = Omit<BroadcastRoutesDeps, "now"> &
  Omit<RegistrationRoutesDeps, "now"> & {
    /** The key that signs unsubscribe and confirmation links. */
    tokenKey: string;
    now?: () => Date;
  };

/**
 * The path as logs may show it: the token of an unsubscribe or confirmation link is a credential
 * and carries the address, so it is replaced by `:token`.
 */
function loggedPath(path: string): string {
  return path.replace(/^(\/api\/registration\/(?:unsubscribe|confirm))\/.*$/s, "$1/:token");
}

/**
 * The whole HTTP API. The Lambda entry point wraps it with `handle()`, the local runner serves it
 * with `@hono/node-server`: the same app in both places.
 * @example
 * export const handler = handle(createApp({ registrations, broadcasts, fanoutQueue, pinGuard, secretPin }));
 */
export function createApp({
  registrations,
  registrationAttempts,
  registrationLimitPerHour,
  confirmations,
  tokenKey,
  now = () => new Date(),
  ...broadcasting
}: AppDeps) {
  return new Hono()
    .use(async function accessLog(c, next) {
      const started = performance.now();
      await next();
      const ms = Math.round(performance.now() - started);
      logger.info("request", { method: c.req.method, path: loggedPath(c.req.path), status: c.res.status, ms });
    })
    .route("/api/registration/broadcast", broadcastRoutes({ ...broadcasting, now }))
    .route("/api/registration/unsubscribe", unsubscribeRoutes({ registrations, tokenKey, now }))
    .route("/api/registration/confirm", confirmRoutes({ registrations, tokenKey, now }))
    .route("/api/registration", registrationRoutes({ registrations, registrationAttempts, registrationLimitPerHour, confirmations, now }))
    .notFound((c) => c.json({ error: "NotFoundException", message: `No route for ${c.req.method} ${c.req.path}` }, 404))
    .onError((error, c) => {
      const { status, body, headers } = errorResponse(error);
      return c.json(body, status, headers);
    });
}
