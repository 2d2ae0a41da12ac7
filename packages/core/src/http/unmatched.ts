import type { Context } from "hono";
import { ApiError } from "./errors.ts";

/** The methods a path is served with (`HEAD` wherever `GET` is); none for a path of no route. */
export type AllowedMethods = (path: string) => Promise<string[]>;

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/**
 * Reads the routes from the OpenAPI document's paths, so that an `Allow` header lists exactly
 * what the document does. `paths` is read on first use, once every route is registered; building
 * the document loads every lazy area (`lazy-routes.ts`), so only a 404 or 405 pays for them all.
 */
export function allowedMethodsOf(paths: () => Promise<Record<string, object>>): AllowedMethods {
  let templates: { pattern: RegExp; methods: string[] }[] | undefined;
  const compile = async () =>
    Object.entries(await paths()).map(([template, item]) => ({
      pattern: new RegExp(
        `^${template
          .split(/\{[^}]+\}/)
          .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, "\\$&"))
          .join("[^/]+")}$`,
      ),
      methods: Object.keys(item).filter((method) => METHODS.includes(method)),
    }));
  return async (path) => {
    templates ??= await compile();
    const methods = new Set(templates.filter(({ pattern }) => pattern.test(path)).flatMap(({ methods }) => methods));
    if (methods.has("get")) methods.add("head");
    return [...methods].map((method) => method.toUpperCase()).sort();
  };
}

/**
 * The last handler of an app: 405 with `Allow` for a known path asked with another method, else
 * 404. Thrown, so that each app answers in its own look (JSON, the console's page, a link's page).
 */
export function unmatched(allowed: AllowedMethods) {
  return async function unmatchedRoute(c: Context): Promise<never> {
    const methods = await allowed(c.req.path);
    if (methods.length === 0)
      throw new ApiError(404, "NotFoundException", `No route for ${c.req.method} ${c.req.path}`);
    const allow = methods.join(", ");
    throw new ApiError(405, "MethodNotAllowedException", `${c.req.method} is not allowed here, only ${allow}`, {
      headers: { Allow: allow },
    });
  };
}
