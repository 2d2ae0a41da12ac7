import type { MiddlewareHandler } from "hono";
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
