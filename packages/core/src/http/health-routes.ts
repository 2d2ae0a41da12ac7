import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { logger } from "../log.ts";
import type { RegistrationStore } from "../registration/store.ts";
import { Up } from "./api-schemas.ts";
import { gatewayThrottled, JSON_TYPE, jsonError, PUBLIC, retryAfter } from "./openapi.ts";

/**
 * `GET /`, as the 2016 server answered it (uptime monitors expect `{"status": "up"}`), and
 * `GET /api/health`, which also reads the table and answers 503 when it cannot.
 */
export function healthRoutes({ registrations }: { registrations: RegistrationStore }) {
  const app = new OpenAPIHono();
  const upRoute = createRoute({
    method: "get",
    path: "/",
    operationId: "up",
    security: PUBLIC,
    summary: "Whether the API answers",
    responses: { 200: { description: "It does", content: { [JSON_TYPE]: { schema: Up } } }, 429: gatewayThrottled },
  });
  app.openapi(upRoute, (c) => c.json({ status: "up" as const }, 200));

  const healthRoute = createRoute({
    method: "get",
    path: "/api/health",
    operationId: "health",
    security: PUBLIC,
    summary: "Whether the API answers and can read its table",
    responses: {
      200: { description: "It can", content: { [JSON_TYPE]: { schema: Up } } },
      429: gatewayThrottled,
      503: jsonError("ServiceUnavailableException: the table cannot be read", retryAfter),
    },
  });
  app.openapi(healthRoute, async (c) => {
    try {
      await registrations.counts();
    } catch (error) {
      // Whatever the reason (unreachable, throttled, missing), the caller's answer is the same.
      logger.warn("health check failed", { error: error instanceof Error ? error.name : String(error) });
      return c.json({ error: "ServiceUnavailableException", message: "The table cannot be read" }, 503, {
        "Retry-After": "5",
      });
    }
    return c.json({ status: "up" as const }, 200);
  });
  return app;
}
