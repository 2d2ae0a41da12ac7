import { createHash } from "node:crypto";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Hono, MiddlewareHandler } from "hono";
import type { BlankEnv } from "hono/types";

export const OPENAPI_PATH = "/api/openapi.json";
export const DOCS_PATH = "/api/docs";
export type OpenApiDocument = ReturnType<OpenAPIHono["getOpenAPIDocument"]>;

/**
 * `GET /api/openapi.json`, generated from the routes' own definitions, and `GET /api/docs`, the
 * same document as a page. Both are described in the document too (`documentation-operations.ts`):
 * it lists every route served. The page's module loads with its first request: no other route
 * needs it.
 */
export function registerDocumentation(app: Hono<BlankEnv>, openApiDocument: () => Promise<OpenApiDocument>): void {
  app.get(OPENAPI_PATH, async (c) => c.json(await openApiDocument(), 200));

  let docsHeaders: MiddlewareHandler | undefined;
  app.get(
    DOCS_PATH,
    async function docsPageHeaders(c, next) {
      const [{ DOCS_STYLE }, { secureHeaders }] = await Promise.all([
        import("./docs-page.ts"),
        import("hono/secure-headers"),
      ]);
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
    async (c) => {
      const { docsPage } = await import("./docs-page.ts");
      return c.html(docsPage(await openApiDocument(), OPENAPI_PATH), 200);
    },
  );
}
