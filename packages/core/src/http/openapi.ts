import type { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { ErrorBody, GatewayThrottled } from "./api-schemas.ts";
import { SESSION_COOKIE } from "./console/session.ts";
import { invalidInput } from "./errors.ts";

/**
 * Helpers for describing routes with `@hono/zod-openapi`.
 *
 * Request bodies are documented by reference to a schema component registered from the very zod
 * schema the handler parses with. A reference, not the schema itself: given a zod schema,
 * `app.openapi()` would add its own validator, which answers in its own shape and before the size
 * limit, the attempt counter and the PIN check that must come first. So the handlers keep parsing
 * their bodies themselves, in the order and with the error bodies the API has always had.
 * @module
 */

export const FORM = "application/x-www-form-urlencoded";
export const MULTIPART = "multipart/form-data";
export const JSON_TYPE = "application/json";

/**
 * Registers `schema` as the component `name` and returns a `$ref` to it, for a request body. The
 * component is zod's own JSON Schema of what the schema accepts (its input side).
 */
export function schemaRef(app: OpenAPIHono, name: string, schema: z.ZodType): { $ref: string } {
  const { $schema: _, ...component } = z.toJSONSchema(schema, {
    target: "openapi-3.0",
    io: "input",
    unrepresentable: "any",
  });
  app.openAPIRegistry.registerComponent("schemas", name, component as never);
  return { $ref: `#/components/schemas/${name}` };
}

/** A request body read as a form or as JSON by `readBody`, both into the same schema. */
export function formOrJsonBody(app: OpenAPIHono, name: string, schema: z.ZodType, description?: string) {
  const ref = schemaRef(app, name, schema);
  return { required: true, description, content: { [FORM]: { schema: ref }, [JSON_TYPE]: { schema: ref } } };
}

/** A JSON error response in the API's one error shape. */
export function jsonError(
  description: string,
  headers?: Record<string, { description: string; required: boolean; schema: { type: "integer" } }>,
) {
  return { description, headers, content: { [JSON_TYPE]: { schema: ErrorBody } } };
}

/**
 * API Gateway's own answer when a route's throttle (`route-throttles.ts`) is spent, before the app
 * sees the request. `npm start` has no such edge. The document adds it to every operation's 429
 * (`gateway-throttle.ts`), so a route may leave it out.
 */
export const gatewayThrottled = {
  description: "API Gateway's throttle of this route is spent (not under `npm start`)",
  content: { [JSON_TYPE]: { schema: GatewayThrottled } },
};

export const retryAfter = {
  "Retry-After": { description: "Seconds to wait", required: true, schema: { type: "integer" as const } },
};

/** An answer a client may ask again with `If-None-Match`, for a 304 while it is unchanged. */
export const etagged = {
  ETag: { description: "Its version: send it as `If-None-Match`", required: true, schema: { type: "string" as const } },
  "Cache-Control": { description: "How long a cache may keep it", required: true, schema: { type: "string" as const } },
};

/** A 303 See Other: where a console form or page sends the browser next. */
export const redirect = (description: string) => ({
  description,
  headers: { Location: { description: "Where to", required: true, schema: { type: "string" as const } } },
});

/** What a console form's POST may answer besides its own: pages too, as every console answer. */
export const formPageErrors = (maxBytes: number) => ({
  413: htmlResponse(`A body over ${maxBytes} bytes`),
  415: htmlResponse("Not a form"),
});

/** A page for a person (the unsubscribe and confirmation links): HTML, never JSON. */
export function htmlResponse(description: string) {
  return { description, content: { "text/html": { schema: { type: "string" as const } } } };
}

export const SECRET_PIN_SCHEME = "SecretPin";
/** A member's personal token, `Authorization: Bearer <token>`. */
export const TOKEN_SCHEME = "PersonalToken";
export const CONSOLE_SESSION_SCHEME = "ConsoleSession";

/** Who may call an operation: anyone; the board with its PIN; the board signed in to the console. */
export const PUBLIC: Record<string, string[]>[] = [];
export const PIN = [{ [SECRET_PIN_SCHEME]: [] }];
export const SESSION = [{ [CONSOLE_SESSION_SCHEME]: [] }];

/** Every way in, registered once on the app that serves the document. */
export function registerSecuritySchemes(app: OpenAPIHono): void {
  app.openAPIRegistry.registerComponent("securitySchemes", SECRET_PIN_SCHEME, {
    type: "apiKey",
    in: "header",
    name: "X-Secret-Pin",
    description:
      "The board's secret PIN. Five wrong PINs from one IP lock it out for 15 minutes. The broadcast's POST and a " +
      "resume also take it as the body's `secretPin`.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", CONSOLE_SESSION_SCHEME, {
    type: "apiKey",
    in: "cookie",
    name: SESSION_COOKIE,
    description: "The console's session, set by `POST /console/login`; its forms also carry the session's CSRF token.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", TOKEN_SCHEME, {
    type: "http",
    scheme: "bearer",
    description: "A member's personal token, created in the console; it carries the member's roles or fewer.",
  });
}

type Security = Record<string, string[]>[];
/** A route the PIN or a personal token opens. */
export const PIN_OR_TOKEN: Security = [{ [SECRET_PIN_SCHEME]: [] }, { [TOKEN_SCHEME]: [] }];
/**
 * What a request whose path, query or headers break the route's schema gets: thrown, so that the
 * app's error handler answers it in its own shape (JSON for the API, a page for the console).
 */
export const invalidRequestHook =
  (code = "InvalidRequestException") =>
  (result: { success: boolean; error?: z.ZodError }): undefined => {
    if (!result.success && result.error) throw invalidInput(code, result.error);
    return undefined;
  };
