import { createHash } from "node:crypto";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { secureHeaders } from "hono/secure-headers";
import { timeout } from "hono/timeout";
import type { BlankEnv } from "hono/types";
import { logger } from "../log.ts";
import { type AnnouncementRoutesDeps, announcementRoutes } from "./announcement-routes.ts";
import { type BroadcastRoutesDeps, broadcastRoutes } from "./broadcast-routes.ts";
import { type ConsoleRoutesDeps, consoleRoutes } from "./console/routes.ts";
import { DOCS_STYLE, docsPage } from "./docs-page.ts";
import { errorResponse, outOfTime } from "./errors.ts";
import { healthRoutes } from "./health-routes.ts";
import { type KeyRoutesDeps, keyRoutes } from "./key-routes.ts";
import { confirmRoutes, unsubscribeRoutes } from "./link-routes.ts";
import { JSON_TYPE, registerSecretPinScheme } from "./openapi.ts";
import { type RegistrationRoutesDeps, registrationRoutes } from "./registration-routes.ts";
import { type UsageRoutesDeps, usageRoutes } from "./usage-routes.ts";

export const OPENAPI_PATH = "/api/openapi.json";
export const DOCS_PATH = "/api/docs";
const DOCUMENT_INFO = {
  openapi: "3.0.3",
  info: {
    title: "OpenEMR product registration",
    version: "1.0.0",
    description:
      "Registration of OpenEMR administrators' addresses, and the board's security and release announcements to them.",
  },
};

export type AppDeps = Omit<BroadcastRoutesDeps, "now"> &
  Omit<RegistrationRoutesDeps, "now" | "pinGuard" | "secretPin"> &
  Pick<UsageRoutesDeps, "usage" | "usageAttempts" | "usageLimits"> &
  Pick<ConsoleRoutesDeps, "overview" | "endedSessions" | "tallies"> &
  KeyRoutesDeps &
  Pick<AnnouncementRoutesDeps, "archive"> & {
    /** The key that signs unsubscribe and confirmation links. */
    tokenKey: string;
    /** The key they were signed with before the last rotation, still accepted; empty when none. */
    previousTokenKey: string;
    /**
     * How long a request may take before it is answered 503: shorter than the function's
     * timeout, so that a stalled table gets this API's JSON answer rather than the gateway's.
     */
    deadlineMs: number;
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
  usage,
  usageAttempts,
  usageLimits,
  tokenKey,
  previousTokenKey,
  deadlineMs,
  overview,
  endedSessions,
  tallies,
  signer,
  senderAddress,
  archive,
  now = () => new Date(),
  ...broadcasting
}: AppDeps) {
  const app = new OpenAPIHono<BlankEnv>();
  const tokenKeys = [tokenKey, previousTokenKey];
  app
    .use(async function accessLog(c, next) {
      const started = performance.now();
      await next();
      const ms = Math.round(performance.now() - started);
      logger.info("request", { method: c.req.method, path: loggedPath(c.req.path), status: c.res.status, ms });
    })
    // The work goes on past the answer: a registration may still be stored, and the caller's
    // retry then gets 409. Either way it is counted once.
    .use(timeout(deadlineMs, outOfTime))
    .route("/api/registration/broadcast", broadcastRoutes({ ...broadcasting, now }))
    .route("/api/registration/unsubscribe", unsubscribeRoutes({ registrations, tokenKeys, now }))
    .route("/api/registration/confirm", confirmRoutes({ registrations, tokenKeys, now }))
    .route(
      "/api/registration",
      registrationRoutes({
        registrations,
        registrationAttempts,
        registrationLimitPerHour,
        confirmations,
        pinGuard: broadcasting.pinGuard,
        secretPin: broadcasting.secretPin,
        now,
      }),
    )
    .route(
      "/api/usage",
      usageRoutes({
        usage,
        usageAttempts,
        usageLimits,
        pinGuard: broadcasting.pinGuard,
        secretPin: broadcasting.secretPin,
        now,
      }),
    )
    .route(
      "/console",
      consoleRoutes({
        tokenKey,
        pinGuard: broadcasting.pinGuard,
        secretPin: broadcasting.secretPin,
        overview,
        endedSessions,
        registrations,
        usage,
        tallies,
        broadcasts: broadcasting.broadcasts,
        fanoutQueue: broadcasting.fanoutQueue,
        now,
      }),
    )
    .route("/", healthRoutes({ registrations }))
    // Before the archive, whose /announcements/{id} would otherwise take /announcements/key.asc.
    .route("/", keyRoutes({ signer, senderAddress }))
    .route("/", announcementRoutes({ archive, signer }));
  registerDocumentation(app);
  app
    .notFound((c) => c.json({ error: "NotFoundException", message: `No route for ${c.req.method} ${c.req.path}` }, 404))
    .onError((error, c) => {
      const { status, body, headers } = errorResponse(error);
      return c.json(body, status, headers);
    });
  return app;
}

/**
 * `GET /api/openapi.json`, generated from the routes' own definitions, and `GET /api/docs`, the
 * same document as a page. Both are described in the document too: it lists every route served.
 */
function registerDocumentation(app: OpenAPIHono<BlankEnv>): void {
  registerSecretPinScheme(app);
  let document: ReturnType<OpenAPIHono["getOpenAPIDocument"]> | undefined;
  // Built on first use, once every route is registered, then kept: the routes never change.
  const openApiDocument = () => (document ??= app.getOpenAPIDocument(DOCUMENT_INFO));

  const documentRoute = createRoute({
    method: "get",
    path: OPENAPI_PATH,
    summary: "This API's OpenAPI 3 document",
    responses: {
      200: {
        description: "The document",
        content: { [JSON_TYPE]: { schema: z.looseObject({ openapi: z.string() }) } },
      },
    },
  });
  app.openapi(documentRoute, (c) => c.json(openApiDocument(), 200));

  const docsRoute = createRoute({
    method: "get",
    path: DOCS_PATH,
    summary: "This API's reference as a page",
    description: "Rendered on the server from the OpenAPI document; it loads nothing else.",
    middleware: [
      secureHeaders({
        contentSecurityPolicy: {
          defaultSrc: ["'none'"],
          styleSrc: [`'sha256-${createHash("sha256").update(DOCS_STYLE).digest("base64")}'`],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
        },
      }),
    ],
    responses: { 200: { description: "The page", content: { "text/html": { schema: { type: "string" } } } } },
  });
  app.openapi(docsRoute, (c) => c.html(docsPage(openApiDocument(), OPENAPI_PATH), 200));
}
