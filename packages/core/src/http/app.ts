import type { OpenAPIHono } from "@hono/zod-openapi";
import type { ErrorHandler } from "hono";
import { timeout } from "hono/timeout";
import { Hono } from "hono/tiny";
import type { BlankEnv } from "hono/types";
import { logger } from "../log.ts";
import { createAddressHasher } from "../privacy/address-hash.ts";
import type { AddressItems } from "../privacy/address-items.ts";
import type { AnnouncementRoutesDeps } from "./announcement-routes.ts";
import type { BroadcastRoutesDeps } from "./broadcast-routes.ts";
import { type AuthDeps, createAuth } from "./caller.ts";
import type { ConsoleRoutesDeps } from "./console/routes.ts";
import { type OpenApiDocument, registerDocumentation } from "./documentation-routes.ts";
import { type DraftingDeps, lazyDrafting } from "./drafting.ts";
import { errorResponse, invalidRequestHook, outOfTime } from "./errors.ts";
import { healthRoutes } from "./health-routes.ts";
import type { KeyRoutesDeps } from "./key-routes.ts";
import { type LazyRoutes, lazyRoutes } from "./lazy-routes.ts";
import { type RegistrationRoutesDeps, registrationRoutes } from "./registration-routes.ts";
import { allowedMethodsOf, unmatched } from "./unmatched.ts";
import { type UsageRoutesDeps, usageRoutes } from "./usage-routes.ts";

export { DOCS_PATH, OPENAPI_PATH } from "./documentation-routes.ts";

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

export type AppDeps = Pick<BroadcastRoutesDeps, "broadcasts" | "fanoutQueue"> & { drafting: DraftingDeps } & Omit<
    RegistrationRoutesDeps,
    "now" | "auth"
  > &
  Pick<UsageRoutesDeps, "usage" | "usageAttempts" | "usageLimits"> &
  Pick<ConsoleRoutesDeps, "overview" | "endedSessions" | "tallies" | "members" | "tokens" | "audit" | "passkeys"> &
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
  passkeys,
  broadcasts,
  fanoutQueue,
  drafting: draftDeps,
  audit,
  addressItems,
  signer,
  senderAddress,
  archive,
  now = () => new Date(),
  ...authDeps
}: AppDeps) {
  // Plain Hono: what a cold start serves (registration, usage, health) loads no OpenAPI generator.
  // Its tiny preset routes with PatternRouter alone, 6 KB less than the default's two routers; the
  // app's own routes are few, each lazy area being one route until its first request.
  const app = new Hono<BlankEnv>();
  const auth = createAuth({ ...authDeps, audit, now });
  const tokenKeys = [tokenKey, previousTokenKey];
  const privacy = { registrations, addressItems, addressHashes: createAddressHasher(tokenKeys) };
  const drafting = lazyDrafting({ broadcasts, fanoutQueue, audit, now, registrations, members, passkeys }, draftDeps);
  const onError: ErrorHandler = (error, c) => {
    const { status, body, headers } = errorResponse(error);
    return c.json(body, status, headers);
  };
  // Areas few requests need load with their first request (issue #26): each `import()` below is
  // a chunk of the Lambda's bundle. Registration, usage and health, the requests OpenEMR makes,
  // stay in the first load.
  const lazy = (mount: string, load: Parameters<typeof lazyRoutes>[0]["load"], patterns = [mount, `${mount}/*`]) =>
    // A path, query or header that breaks its route's schema: the app's own error, not zod's JSON.
    lazyRoutes({ mount, patterns, load }, { defaultHook: invalidRequestHook(), onError });
  const areas: LazyRoutes[] = [];
  const area = (routes: LazyRoutes) => {
    areas.push(routes);
    for (const pattern of routes.patterns) app.all(pattern, routes.serve);
  };
  let whole: Promise<OpenAPIHono<BlankEnv>> | undefined;
  let document: OpenApiDocument | undefined;
  // Built on first use, once every route is registered, then kept: the routes never change.
  const wholeApp = () =>
    (whole ??= import("./documented-app.ts")
      .then(({ documentedApp }) => documentedApp(app, areas))
      .catch((error: unknown) => {
        whole = undefined;
        throw error;
      }));
  const openApiDocument = async () => {
    const [whole, { withGatewayThrottle }] = await Promise.all([wholeApp(), import("./gateway-throttle.ts")]);
    document ??= withGatewayThrottle(whole.getOpenAPIDocument(documentInfo(publicUrl)));
    return document;
  };
  WHOLE_APPS.set(app, wholeApp);
  const allowed = allowedMethodsOf(async () => (await openApiDocument()).paths);
  app
    .use(async function accessLog(c, next) {
      const started = performance.now();
      await next();
      const ms = Math.round(performance.now() - started);
      logger.info("request", { method: c.req.method, path: loggedPath(c.req.path), status: c.res.status, ms });
    })
    // The work goes on past the answer: a registration may still be stored, and the caller's
    // retry then gets 409. Either way it is counted once.
    .use(timeout(deadlineMs, outOfTime));
  area(
    lazy("/api/registration/broadcast", async () =>
      (await import("./broadcast-routes.ts")).broadcastRoutes({
        broadcasts,
        fanoutQueue,
        auth,
        audit,
        now,
        ...(await drafting()),
      }),
    ),
  );
  area(
    lazy("/api/drafts", async () =>
      (await import("./draft-routes.ts")).draftRoutes({ auth, audit, now, ...(await drafting()) }),
    ),
  );
  area(lazy("/api/members", async () => (await import("./member-routes.ts")).memberRoutes({ auth })));
  area(
    lazy("/api/registration/unsubscribe", async () =>
      (await import("./link-routes.ts")).unsubscribeRoutes({ registrations, tokenKeys, allowed, now }),
    ),
  );
  area(
    lazy("/api/registration/confirm", async () =>
      (await import("./link-routes.ts")).confirmRoutes({ registrations, tokenKeys, allowed, now }),
    ),
  );
  area(
    lazy("/api/registration/privacy", async () =>
      (await import("./privacy-routes.ts")).privacyRoutes({ ...privacy, tokenKeys, audit, now }),
    ),
  );
  area(
    lazy("/api/registration/erase", async () =>
      (await import("./erase-routes.ts")).eraseRoutes({ ...privacy, auth, audit, now }),
    ),
  );
  app.route(
    "/api/registration",
    registrationRoutes({ registrations, registrationAttempts, registrationLimitPerHour, confirmations, auth, now }),
  );
  app.route("/api/usage", usageRoutes({ usage, usageAttempts, usageLimits, auth, now }));
  area(
    lazy("/console", async () =>
      (await import("./console/routes.ts")).consoleRoutes({
        tokenKey,
        auth,
        audit,
        members,
        tokens: authDeps.tokens,
        passkeys,
        overview,
        endedSessions,
        registrations,
        usage,
        tallies,
        broadcasts,
        fanoutQueue,
        ...(await drafting()),
        allowed,
        now,
      }),
    ),
  );
  app.route("/", healthRoutes({ registrations }));
  area(
    lazy("/", async () => {
      const [{ keyRoutes }, { announcementRoutes }, { OpenAPIHono }] = await Promise.all([
        import("./key-routes.ts"),
        import("./announcement-routes.ts"),
        import("@hono/zod-openapi"),
      ]);
      // Keys first: the archive's /announcements/{id} would otherwise take /announcements/key.asc.
      return new OpenAPIHono<BlankEnv>()
        .route("/", keyRoutes({ signer, senderAddress }))
        .route("/", announcementRoutes({ archive, signer }));
    }, ["/announcements", "/announcements/*", "/.well-known/openpgpkey/*"]),
  );
  registerDocumentation(app, openApiDocument);
  app.all("*", unmatched(allowed)).onError(onError);
  return app;
}

const WHOLE_APPS = new WeakMap<object, () => Promise<OpenAPIHono<BlankEnv>>>();

/**
 * Every route `createApp`'s app serves, as `METHOD /path/{param}`, its lazy areas' included
 * (`app.routes` lists those as one `ALL` handler each); middleware, also `ALL`, left out.
 */
export async function servedRoutes(app: object): Promise<string[]> {
  const whole = WHOLE_APPS.get(app);
  if (!whole) throw new Error("not an app made by createApp");
  const routes = (await whole()).routes.filter((route) => route.method !== "ALL");
  return [...new Set(routes.map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, "{$1}")}`))];
}
