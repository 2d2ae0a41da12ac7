import { createHash } from "node:crypto";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";
import type { BlankEnv } from "hono/types";
import { gatewayThrottled, JSON_TYPE, PUBLIC, registerSecuritySchemes } from "./openapi.ts";

export const OPENAPI_PATH = "/api/openapi.json";
export const DOCS_PATH = "/api/docs";
export type OpenApiDocument = ReturnType<OpenAPIHono["getOpenAPIDocument"]>;

/**
 * `GET /api/openapi.json`, generated from the routes' own definitions, and `GET /api/docs`, the
 * same document as a page. Both are described in the document too: it lists every route served.
 * The page's module loads with its first request: no other route needs it.
 */
export function registerDocumentation(
  app: OpenAPIHono<BlankEnv>,
  openApiDocument: () => Promise<OpenApiDocument>,
): void {
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
  app.openapi(documentRoute, async (c) => c.json(await openApiDocument(), 200));

  let docsHeaders: MiddlewareHandler | undefined;
  const docsRoute = createRoute({
    method: "get",
    path: DOCS_PATH,
    operationId: "apiReference",
    security: PUBLIC,
    summary: "This API's reference as a page",
    description: "Rendered on the server from the OpenAPI document; it loads nothing else.",
    middleware: [
      async function docsPageHeaders(c, next) {
        const { DOCS_STYLE } = await import("./docs-page.ts");
        docsHeaders ??= secureHeaders({
          contentSecurityPolicy: {
            defaultSrc: ["'none'"],
            styleSrc: [`'sha256-${createHash("sha256").update(DOCS_STYLE).digest("base64")}'`],
            frameAncestors: ["'none'"],
            baseUri: ["'none'"],
          },
        });
        return docsHeaders(c, next);
      },
    ],
    responses: {
      200: { description: "The page", content: { "text/html": { schema: { type: "string" } } } },
      429: gatewayThrottled,
    },
  });
  app.openapi(docsRoute, async (c) => {
    const { docsPage } = await import("./docs-page.ts");
    return c.html(docsPage(await openApiDocument(), OPENAPI_PATH), 200);
  });
}
