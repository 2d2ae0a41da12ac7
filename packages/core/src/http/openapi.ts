import type { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { ErrorBody } from "./api-schemas.ts";

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
  headers?: Record<string, { description: string; schema: { type: "integer" } }>,
) {
  return { description, headers, content: { [JSON_TYPE]: { schema: ErrorBody } } };
}

export const retryAfter = { "Retry-After": { description: "Seconds to wait", schema: { type: "integer" as const } } };

/** A page for a person (the unsubscribe and confirmation links): HTML, never JSON. */
export function htmlResponse(description: string) {
  return { description, content: { "text/html": { schema: { type: "string" as const } } } };
}

export const SECRET_PIN_SCHEME = "SecretPin";
/** A member's personal token, `Authorization: Bearer <token>`. */
export const TOKEN_SCHEME = "PersonalToken";

/** The board's PIN in `X-Secret-Pin`; registered once on the app that serves the document. */
export function registerSecretPinScheme(app: OpenAPIHono): void {
  app.openAPIRegistry.registerComponent("securitySchemes", SECRET_PIN_SCHEME, {
    type: "apiKey",
    in: "header",
    name: "X-Secret-Pin",
    description: "The board's secret PIN. Five wrong PINs from one IP lock it out for 15 minutes.",
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
/** The same, or credentials in the body, as the seed's clients post them. */
export const PIN_OR_TOKEN_OR_BODY: Security = [...PIN_OR_TOKEN, {}];
