import type { Context, MiddlewareHandler } from "hono";
import { ApiError } from "./errors.ts";

/**
 * Refuses a query parameter the route does not take, naming it: a misspelt `belowVerison` that
 * was ignored would answer for everyone, and the caller would not know.
 * @throws ApiError 400 InvalidQueryException
 */
export function onlyQuery(...names: string[]): MiddlewareHandler {
  const known = new Set(names);
  return async function onlyQuery(c, next) {
    const unknown = [...new Set(new URL(c.req.url).searchParams.keys())].filter((name) => !known.has(name));
    if (unknown.length > 0) {
      const list = unknown.map((name) => `\`${name}\``).join(", ");
      const takes = names.length > 0 ? `it takes ${names.map((name) => `\`${name}\``).join(", ")}` : "it takes none";
      throw new ApiError(400, "InvalidQueryException", `Unknown query parameter ${list}: ${takes}`);
    }
    await next();
  };
}

/**
 * The query as Hono's validator (and so `@hono/zod-openapi`) hands it to a schema: a name's one
 * value, or all of them when it is repeated. Read by hand, since `hono/validator` brings its
 * cookie parser to every cold start (issue #26).
 */
export function queryValues(c: Context): Record<string, string | string[]> {
  return Object.fromEntries(
    Object.entries(c.req.queries()).map(([name, values]) => [name, values.length === 1 ? values[0]! : values]),
  );
}
