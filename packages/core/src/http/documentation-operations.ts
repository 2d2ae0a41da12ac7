import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { DOCS_PATH, OPENAPI_PATH } from "./documentation-routes.ts";
import { gatewayThrottled, JSON_TYPE, PUBLIC, registerSecuritySchemes } from "./openapi.ts";

/** The document's own two routes (`registerDocumentation`) and every way in, described on `app`. */
export function documentationOperations(app: OpenAPIHono): void {
  registerSecuritySchemes(app);
  app.openAPIRegistry.registerPath(
    createRoute({
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
    }),
  );
  app.openAPIRegistry.registerPath(
    createRoute({
      method: "get",
      path: DOCS_PATH,
      operationId: "apiReference",
      security: PUBLIC,
      summary: "This API's reference as a page",
      description: "Rendered on the server from the OpenAPI document; it loads nothing else.",
      responses: {
        200: { description: "The page", content: { "text/html": { schema: { type: "string" } } } },
        429: gatewayThrottled,
      },
    }),
  );
}
