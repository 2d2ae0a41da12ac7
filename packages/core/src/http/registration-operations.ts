import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { RegistrationRequest } from "../registration/request.ts";
import { ActiveVersionsBody, AudienceQuery, AudienceReachBody, Registered, RegistrationCounts } from "./api-schemas.ts";
import {
  formOrJsonBody,
  gatewayThrottled,
  JSON_TYPE,
  jsonError,
  PIN_ERRORS,
  PIN_OR_TOKEN,
  PUBLIC,
  retryAfter,
  UNKNOWN_QUERY_ERROR,
} from "./openapi.ts";
import { MAX_REGISTRATION_BYTES } from "./registration-routes.ts";

/**
 * What `registrationRoutes` serves, for the OpenAPI document only: its routes are plain Hono, so
 * that a cold start loads none of this (issue #26). Mounted where they are, at `/api/registration`.
 */
export function registrationOperations(): OpenAPIHono {
  const app = new OpenAPIHono();
  const describe = (route: ReturnType<typeof createRoute>) => app.openAPIRegistry.registerPath(route);
  describe(
    createRoute({
      method: "post",
      path: "/",
      operationId: "register",
      security: PUBLIC,
      summary: "Register an administrator's address",
      description:
        "OpenEMR posts a form; older clients post JSON. Every attempt within the size limit counts towards the " +
        "per-IP hourly limit. Registering an address that opted out answers 201 but leaves it opted out, and emails " +
        "its owner a confirmation link. Registering an active address again with a `version` is an installation " +
        "reporting an upgrade (OpenEMR 7 and 8 ask after every one and read anything but 201 as a server error): " +
        "201 with the registration's existing product id, the version recorded as its latest, `count` and `active` " +
        "unchanged. Without a version (OpenEMR 5, the 2016 API's clients) it stays 409, as it always was.",
      request: { body: formOrJsonBody(app, "RegistrationRequest", RegistrationRequest) },
      responses: {
        201: { description: "Registered", content: { [JSON_TYPE]: { schema: Registered } } },
        400: jsonError("InvalidEmailException, InvalidRequestException or MalformedRequestException"),
        409: jsonError("AlreadyRegisteredException: registered and active already, and the request carries no version"),
        413: jsonError(`PayloadTooLargeException: over ${MAX_REGISTRATION_BYTES} bytes`),
        415: jsonError("UnsupportedMediaTypeException: neither a form nor JSON"),
        429: jsonError("TooManyRequestsException: too many attempts from this IP", retryAfter),
        503: jsonError(
          "ServiceUnavailableException: the table is briefly unreachable, or SES did not take a confirmation email",
          retryAfter,
        ),
      },
    }),
  );
  describe(
    createRoute({
      method: "get",
      path: "/unique",
      operationId: "countRegistrations",
      security: PUBLIC,
      summary: "Count registrations",
      description: "`count`: every address ever registered; `active`: how many a broadcast would mail now. One read.",
      responses: {
        200: { description: "The counts", content: { [JSON_TYPE]: { schema: RegistrationCounts } } },
        ...UNKNOWN_QUERY_ERROR,
        429: gatewayThrottled,
        503: jsonError("ServiceUnavailableException: the table is briefly unreachable", retryAfter),
      },
    }),
  );
  describe(
    createRoute({
      method: "get",
      path: "/versions",
      operationId: "activeVersions",
      summary: "Active registrations by OpenEMR version and distribution",
      description:
        "By each registration's latest reported version (an upgrade report replaces it) and distribution, `unknown` " +
        "where none was sent: who still runs a vulnerable release. Reads the whole list, a parallel scan of four " +
        "attributes: about 3,750 read units at 100,000 registrations.",
      security: PIN_OR_TOKEN,
      responses: {
        200: { description: "The tallies", content: { [JSON_TYPE]: { schema: ActiveVersionsBody } } },
        ...UNKNOWN_QUERY_ERROR,
        ...PIN_ERRORS,
      },
    }),
  );
  describe(
    createRoute({
      method: "get",
      path: "/audience",
      operationId: "audienceReach",
      summary: "How many active addresses a broadcast to this audience reaches",
      description:
        "The audience as a broadcast takes it: `belowVersion` (in OpenEMR's order, by each registration's latest " +
        "version) and/or `distribution` (repeated or comma-separated). A registration without a known version is " +
        "not below any version: `unknownVersion` counts them. The same scan as `/versions`.",
      security: PIN_OR_TOKEN,
      request: { query: AudienceQuery },
      responses: {
        200: { description: "The reach", content: { [JSON_TYPE]: { schema: AudienceReachBody } } },
        400: jsonError(
          "InvalidAudienceException: a version OpenEMR does not write; InvalidQueryException: another query parameter",
        ),
        ...PIN_ERRORS,
      },
    }),
  );
  return app;
}
