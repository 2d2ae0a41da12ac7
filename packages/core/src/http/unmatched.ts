import type { Context } from "hono";
import { ApiError } from "./errors.ts";

/** The methods a path is served with (`HEAD` wherever `GET` is); none for a path of no route. */
export type AllowedMethods = (path: string) => string[];

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/**
 * Reads the routes from the OpenAPI document's paths, so that an `Allow` header lists exactly
 * what the document does. `paths` is read on first use, once every route is registered.
 */
export function allowedMethodsOf(paths: () => Record<string, object>): AllowedMethods {
  let templates: { pattern: RegExp; methods: string[] }[] | undefined;
  const compile = () =>
    Object.entries(paths()).map(([template, item]) => ({
      pattern: new RegExp(
        `^${template
          .split(/\{[^}]+\}/)
          .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, "\\$&"))
          .join("[^/]+")}$`,
      ),
      methods: Object.keys(item).filter((method) => METHODS.includes(method)),
    }));
  return (path) => {
    templates ??= compile();
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
  return function unmatchedRoute(c: Context): never {
    const methods = allowed(c.req.path);
    if (methods.length === 0)
      throw new ApiError(404, "NotFoundException", `No route for ${c.req.method} ${c.req.path}`);
    const allow = methods.join(", ");
    throw new ApiError(405, "MethodNotAllowedException", `${c.req.method} is not allowed here, only ${allow}`, {
      headers: { Allow: allow },
    });
  };
}
