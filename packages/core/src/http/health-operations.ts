import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { Up } from "./api-schemas.ts";
import { gatewayThrottled, JSON_TYPE, jsonError, PUBLIC, retryAfter } from "./openapi.ts";

/** What `healthRoutes` serves, for the OpenAPI document only (issue #26). Mounted at `/`. */
export function healthOperations(): OpenAPIHono {
  const app = new OpenAPIHono();
  app.openAPIRegistry.registerPath(
    createRoute({
      method: "get",
      path: "/",
      operationId: "up",
      security: PUBLIC,
      summary: "Whether the API answers",
      responses: { 200: { description: "It does", content: { [JSON_TYPE]: { schema: Up } } }, 429: gatewayThrottled },
    }),
  );
  app.openAPIRegistry.registerPath(
    createRoute({
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
    }),
  );
  return app;
}
