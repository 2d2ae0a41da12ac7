import type { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { secrets } from "../resources.ts";
import { ErrorBody, GatewayThrottled } from "./api-schemas.ts";
import { SESSION_COOKIE } from "./console/session.ts";
import { FORM, JSON_TYPE } from "./media-types.ts";

/**
 * Helpers for describing routes with `@hono/zod-openapi`.
 *
 * Request bodies are documented by reference to a schema component registered from the very zod
 * schema the handler parses with. A reference, not the schema itself: given a zod schema,
 * `app.openapi()` would add its own validator, which answers in its own shape and before the size
 * limit, the attempt counter and the PIN check that must come first. So the handlers keep parsing
 * their bodies themselves, in the order and with the error bodies the API has always had.
 *
 * This module, classic zod and the generator load only with the document or a lazy area: the
 * routes a cold start serves (registration, usage, health) are plain Hono, described apart
 * (`first-load-operations.ts`).
 * @module
 */

export { FORM, JSON_TYPE, MULTIPART } from "./media-types.ts";

/**
 * Registers `schema` as the component `name` and returns a `$ref` to it, for a request body. The
 * component is zod's own JSON Schema of what the schema accepts (its input side).
 */
export function schemaRef(app: OpenAPIHono, name: string, schema: z.core.$ZodType): { $ref: string } {
  const { $schema: _, ...component } = z.toJSONSchema(schema, {
    target: "openapi-3.0",
    io: "input",
    unrepresentable: "any",
  });
  app.openAPIRegistry.registerComponent("schemas", name, component as never);
  return { $ref: `#/components/schemas/${name}` };
}

/** A request body read as a form or as JSON by `readBody`, both into the same schema. */
export function formOrJsonBody(app: OpenAPIHono, name: string, schema: z.core.$ZodType, description?: string) {
  const ref = schemaRef(app, name, schema);
  return { required: true, description, content: { [FORM]: { schema: ref }, [JSON_TYPE]: { schema: ref } } };
}

/**
 * A required query parameter described from a zod/mini schema, as the generator describes a
 * classic one (it reads classic zod's `.meta()`, which mini schemas have not): the schema's JSON
 * Schema with its description, and its `param` metadata's name and place.
 */
export function queryParameter(schema: z.core.$ZodType) {
  const { param, ...json } = z.toJSONSchema(schema, { target: "openapi-3.0", io: "input" }) as unknown as {
    param: { name: string; in: "query" };
    description?: string;
  };
  return { schema: json, required: true, description: json.description, ...param };
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

/** The 400 a route with `onlyQuery` (`known-query.ts`) may give. */
export const UNKNOWN_QUERY_ERROR = {
  400: jsonError("InvalidQueryException: a query parameter this route does not take"),
};

/** The answers every PIN route (`pin-check.ts`) may give besides its own. */
export const PIN_ERRORS = {
  401: jsonError(
    "InvalidSecretPinException: wrong or missing PIN; InvalidTokenException: a malformed, unknown, revoked or " +
      "expired personal token, or one whose member was revoked",
  ),
  403: jsonError(
    "CrossSiteRequestException: `Origin` or `Sec-Fetch-Site` says another site sent it; MissingRoleException: " +
      "the token's roles (or the PIN's: compose and approve) do not include the route's",
  ),
  410: jsonError("PinRoutesGoneException: the stage's `PIN_ROUTES` is off: send a personal token instead"),
  429: jsonError(
    "TooManyRequestsException: 5 wrong PINs from this IP (or 5 PIN requests in flight at once) lock it out for 15 " +
      "minutes, and 50 from all IPs in an hour lock every PIN route for an hour, even with the right PIN",
    retryAfter,
  ),
  503: jsonError(
    `PinNotConfiguredException: the board's PIN is shorter than ${secrets.SecretPin.minLength} characters, ` +
      "so none is accepted",
  ),
};
