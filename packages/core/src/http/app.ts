import { createHash } from "node:crypto";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { secureHeaders } from "hono/secure-headers";
import { timeout } from "hono/timeout";
import type { BlankEnv } from "hono/types";
import { createDraftFlow, type DraftFlowDeps } from "../drafts/flow.ts";
import { createApprovalGate } from "../drafts/gate.ts";
import { logger } from "../log.ts";
import { createAddressHasher } from "../privacy/address-hash.ts";
import type { AddressItems } from "../privacy/address-items.ts";
import { type AnnouncementRoutesDeps, announcementRoutes } from "./announcement-routes.ts";
import { type BroadcastRoutesDeps, broadcastRoutes } from "./broadcast-routes.ts";
import { type AuthDeps, createAuth } from "./caller.ts";
import { type ConsoleRoutesDeps, consoleRoutes } from "./console/routes.ts";
import { DOCS_STYLE, docsPage } from "./docs-page.ts";
import { type DraftRoutesDeps, draftRoutes } from "./draft-routes.ts";
import { eraseRoutes } from "./erase-routes.ts";
import { errorResponse, outOfTime } from "./errors.ts";
import { healthRoutes } from "./health-routes.ts";
import { type KeyRoutesDeps, keyRoutes } from "./key-routes.ts";
import { confirmRoutes, unsubscribeRoutes } from "./link-routes.ts";
import { memberRoutes } from "./member-routes.ts";
import { gatewayThrottled, invalidRequestHook, JSON_TYPE, PUBLIC, registerSecuritySchemes } from "./openapi.ts";
import { privacyRoutes } from "./privacy-routes.ts";
import { type RegistrationRoutesDeps, registrationRoutes } from "./registration-routes.ts";
import { allowedMethodsOf, unmatched } from "./unmatched.ts";
import { type UsageRoutesDeps, usageRoutes } from "./usage-routes.ts";

export const OPENAPI_PATH = "/api/openapi.json";
export const DOCS_PATH = "/api/docs";
const documentInfo = (publicUrl: string) => ({
  openapi: "3.0.3",
  info: {
    title: "OpenEMR product registration",
    version: "1.0.0",
    description:
      "Registration of OpenEMR administrators' addresses, and the board's security and release announcements to them.",
    license: { name: "GPL-3.0-or-later", url: "https://www.gnu.org/licenses/gpl-3.0.html" },
  },
  servers: [{ url: publicUrl, description: "This stage" }],
});
type OpenApiDocument = ReturnType<OpenAPIHono["getOpenAPIDocument"]>;

export type AppDeps = Pick<BroadcastRoutesDeps, "broadcasts" | "fanoutQueue" | "cancelBroadcast"> &
  Pick<DraftFlowDeps, "drafts"> &
  Pick<DraftRoutesDeps, "testSend"> &
  Pick<DraftFlowDeps, "notifyApprovers"> & { approvalRules: DraftFlowDeps["rules"] } & Omit<
    RegistrationRoutesDeps,
    "now" | "auth"
  > &
  Pick<UsageRoutesDeps, "usage" | "usageAttempts" | "usageLimits"> &
  Pick<ConsoleRoutesDeps, "overview" | "endedSessions" | "tallies" | "members" | "tokens" | "audit"> &
  Omit<AuthDeps, "now"> &
  KeyRoutesDeps &
  Pick<AnnouncementRoutesDeps, "archive"> & {
    /** Every State item of an address, for its owner's page, the export and the erase. */
    addressItems: AddressItems;
    /** The key that signs unsubscribe and confirmation links. */
    tokenKey: string;
    /** The key they were signed with before the last rotation, still accepted; empty when none. */
    previousTokenKey: string;
    /**
     * How long a request may take before it is answered 503: shorter than the function's
     * timeout, so that a stalled table gets this API's JSON answer rather than the gateway's.
     */
    deadlineMs: number;
    /** The stage's public URL: the document's server. */
    publicUrl: string;
    now?: () => Date;
  };

/**
 * The path as logs may show it: the token of an unsubscribe or confirmation link is a credential
 * and carries the address, so it is replaced by `:token`.
 */
function loggedPath(path: string): string {
  return path.replace(/^(\/api\/registration\/(?:unsubscribe|confirm|privacy))\/.*$/s, "$1/:token");
}

/**
 * The whole HTTP API. The Lambda entry point wraps it with `handle()`, the local runner serves it
 * with `@hono/node-server`: the same app in both places.
 * @example
 * export const handler = handle(createApp({ registrations, broadcasts, fanoutQueue, pinGuard, secretPin, audit }));
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
  publicUrl,
  overview,
  endedSessions,
  tallies,
  members,
  broadcasts,
  fanoutQueue,
  drafts,
  cancelBroadcast,
  approvalRules,
  notifyApprovers,
  testSend,
  audit,
  addressItems,
  signer,
  senderAddress,
  archive,
  now = () => new Date(),
  ...authDeps
}: AppDeps) {
  // A path, query or header that breaks its route's schema: the app's own error, not zod's JSON.
  const app = new OpenAPIHono<BlankEnv>({ defaultHook: invalidRequestHook() });
  const auth = createAuth({ ...authDeps, audit, now });
  const queues = { broadcasts, fanoutQueue, audit, now };
  const flow = createDraftFlow({ ...queues, drafts, registrations, rules: approvalRules, notifyApprovers });
  const approvalGate = createApprovalGate({ members, drafts, flow, audit, now });
  const broadcastDeps = { broadcasts, fanoutQueue, auth, audit, approvalGate, cancelBroadcast, now };
  const tokenKeys = [tokenKey, previousTokenKey];
  const privacy = { registrations, addressItems, addressHashes: createAddressHasher(tokenKeys) };
  let document: OpenApiDocument | undefined;
  // Built on first use, once every route is registered, then kept: the routes never change.
  const openApiDocument = () => (document ??= app.getOpenAPIDocument(documentInfo(publicUrl)));
  const allowed = allowedMethodsOf(() => openApiDocument().paths);
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
    .route("/api/registration/broadcast", broadcastRoutes(broadcastDeps))
    .route("/api/drafts", draftRoutes({ drafts, flow, auth, audit, testSend, now }))
    .route("/api/members", memberRoutes({ auth }))
    .route("/api/registration/unsubscribe", unsubscribeRoutes({ registrations, tokenKeys, allowed, now }))
    .route("/api/registration/confirm", confirmRoutes({ registrations, tokenKeys, allowed, now }))
    .route("/api/registration/privacy", privacyRoutes({ ...privacy, tokenKeys, now }))
    .route("/api/registration/erase", eraseRoutes({ ...privacy, auth, audit, now }))
    .route(
      "/api/registration",
      registrationRoutes({
        registrations,
        registrationAttempts,
        registrationLimitPerHour,
        confirmations,
        auth,
        now,
      }),
    )
    .route(
      "/api/usage",
      usageRoutes({
        usage,
        usageAttempts,
        usageLimits,
        auth,
        now,
      }),
    )
    .route(
      "/console",
      consoleRoutes({
        tokenKey,
        auth,
        audit,
        members,
        tokens: authDeps.tokens,
        overview,
        endedSessions,
        registrations,
        usage,
        tallies,
        broadcasts,
        fanoutQueue,
        approvalGate,
        allowed,
        now,
      }),
    )
    .route("/", healthRoutes({ registrations }))
    // Before the archive, whose /announcements/{id} would otherwise take /announcements/key.asc.
    .route("/", keyRoutes({ signer, senderAddress }))
    .route("/", announcementRoutes({ archive, signer }));
  registerDocumentation(app, openApiDocument);
  app.all("*", unmatched(allowed)).onError((error, c) => {
    const { status, body, headers } = errorResponse(error);
    return c.json(body, status, headers);
  });
  return app;
}

/**
 * `GET /api/openapi.json`, generated from the routes' own definitions, and `GET /api/docs`, the
 * same document as a page. Both are described in the document too: it lists every route served.
 */
function registerDocumentation(app: OpenAPIHono<BlankEnv>, openApiDocument: () => OpenApiDocument): void {
  registerSecuritySchemes(app);

  const documentRoute = createRoute({
    method: "get",
    path: OPENAPI_PATH,
    operationId: "openApiDocument",
    security: PUBLIC,
    summary: "This API's OpenAPI 3 document",
    responses: {
      200: {
        description: "The document",
        content: {
          [JSON_TYPE]: {
            schema: z.object({ openapi: z.string(), paths: z.record(z.string(), z.object({})) }),
          },
        },
      },
      429: gatewayThrottled,
    },
  });
  app.openapi(documentRoute, (c) => c.json(openApiDocument(), 200));

  const docsRoute = createRoute({
    method: "get",
    path: DOCS_PATH,
    operationId: "apiReference",
    security: PUBLIC,
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
    responses: {
      200: { description: "The page", content: { "text/html": { schema: { type: "string" } } } },
      429: gatewayThrottled,
    },
  });
  app.openapi(docsRoute, (c) => c.html(docsPage(openApiDocument(), OPENAPI_PATH), 200));
}
