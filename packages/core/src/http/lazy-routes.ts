import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context, Env, ErrorHandler, Hono, Next, Schema } from "hono";
import type { BlankEnv } from "hono/types";

/**
 * A route area that is built, and whose modules load, on its first request: its `import()` is a
 * chunk of its own in the Lambda's bundle, so a cold start that serves a registration does not
 * parse the console's pages, the archive or the members' routes (issue #26). The holder is an
 * `OpenAPIHono`, imported with the area: the app itself is plain Hono.
 */
export type LazyRoutes = {
  /** The Hono patterns the area answers, as the outer app registers them. */
  patterns: string[];
  /** The area mounted where it belongs, built once: for requests and for the OpenAPI document. */
  routes: () => Promise<OpenAPIHono<BlankEnv>>;
  /** Serves a request from the area; a path it has no route for goes on to the app's next handler. */
  serve: (c: Context, next: Next) => Promise<Response | undefined>;
};

/** An area's app: an `OpenAPIHono` (its routes join the document), whatever its routes' types. */
// biome-ignore lint/complexity/noBannedTypes: the sub-apps are typed `{}` schemas by zod-openapi.
type Area = Hono<Env, {}, string> | Hono<Env, Schema, string>;

// Answered by the area's holder when none of its routes matched: the app's own 404/405 then answers.
const NO_ROUTE = "x-oemr-no-route";

/**
 * `mount` is where the area is mounted (as `app.route(mount, area)` would), `patterns` the paths
 * it owns; `load` imports its module and builds it. The holder shares the app's invalid-request
 * hook (zod-openapi reads it from the parent app) and its error handler.
 */
export function lazyRoutes(
  { mount, patterns, load }: { mount: string; patterns: string[]; load: () => Promise<Area> },
  { defaultHook, onError }: { defaultHook: OpenAPIHono<BlankEnv>["defaultHook"]; onError: ErrorHandler },
): LazyRoutes {
  let built: Promise<OpenAPIHono<BlankEnv>> | undefined;
  const routes = () =>
    (built ??= Promise.all([load(), import("@hono/zod-openapi")]).then(
      ([area, { OpenAPIHono }]) =>
        new OpenAPIHono<BlankEnv>({ defaultHook })
          .route(mount, area)
          .notFound((c) => c.body(null, 404, { [NO_ROUTE]: "1" }))
          .onError(onError),
      (error: unknown) => {
        // A failed import is tried again by the next request, not remembered.
        built = undefined;
        throw error;
      },
    ));
  return {
    patterns,
    routes,
    async serve(c, next) {
      const holder = await routes();
      const response = await holder.fetch(c.req.raw, c.env, executionContextOf(c));
      if (!response.headers.has(NO_ROUTE)) return response;
      await next();
      return undefined;
    },
  };
}

/** Lambda and the local runner give none; Hono's getter throws rather than answer undefined. */
function executionContextOf(c: Context) {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}
