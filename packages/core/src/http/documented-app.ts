import { OpenAPIHono } from "@hono/zod-openapi";
import type { Hono } from "hono";
import type { BlankEnv } from "hono/types";
import { documentationOperations } from "./documentation-operations.ts";
import { healthOperations } from "./health-operations.ts";
import type { LazyRoutes } from "./lazy-routes.ts";
import { registrationOperations } from "./registration-operations.ts";
import { usageOperations } from "./usage-operations.ts";

/**
 * The app's routes and every lazy area's, loaded for it, with the descriptions of the routes a
 * cold start serves (plain Hono, described apart): what the OpenAPI document describes. Loaded
 * with the document, a 404 or 405, or `servedRoutes`, never with a registration (issue #26).
 */
export async function documentedApp(app: Hono<BlankEnv>, areas: LazyRoutes[]): Promise<OpenAPIHono<BlankEnv>> {
  // In the order `createApp` mounts them: the document lists its paths in this order.
  const whole = new OpenAPIHono<BlankEnv>()
    .route("/", app)
    .route("/api/registration", registrationOperations())
    .route("/api/usage", usageOperations())
    .route("/", healthOperations());
  documentationOperations(whole);
  for (const routes of await Promise.all(areas.map((lazyArea) => lazyArea.routes()))) whole.route("/", routes);
  return whole;
}
