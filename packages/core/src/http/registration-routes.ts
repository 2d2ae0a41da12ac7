import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { maskEmail } from "../address.ts";
import type { WindowCounter } from "../limits/window-counter.ts";
import { logger } from "../log.ts";
import type { ConfirmationSender } from "../registration/confirmation-sender.ts";
import { RegistrationRequest, register } from "../registration/register.ts";
import type { RegistrationStore } from "../registration/store.ts";
import { ActiveVersionsBody, AudienceQuery, AudienceReachBody, Registered, RegistrationCounts } from "./api-schemas.ts";
import { parseAudience } from "./audience-fields.ts";
import { limitBody, readBody } from "./body.ts";
import type { Auth } from "./caller.ts";
import { clientIp } from "./client-ip.ts";
import { ApiError, invalidInput } from "./errors.ts";
import { onlyQuery, UNKNOWN_QUERY_ERROR } from "./known-query.ts";
import {
  formOrJsonBody,
  gatewayThrottled,
  invalidRequestHook,
  JSON_TYPE,
  jsonError,
  PIN_OR_TOKEN,
  PUBLIC,
  retryAfter,
} from "./openapi.ts";
import { PIN_ERRORS } from "./pin-check.ts";
import { enforceLimit } from "./rate-limit.ts";

export type RegistrationRoutesDeps = {
  registrations: RegistrationStore;
  /** Registration attempts per caller IP in the current hour (`createWindowCounter`). */
  registrationAttempts: WindowCounter;
  registrationLimitPerHour: number;
  /** Asks the owner of an opted-out address that is registered again to confirm it. */
  confirmations: ConfirmationSender;
  auth: Auth;
  now: () => Date;
};

export const MAX_REGISTRATION_BYTES = 16 * 1024;

export function registrationRoutes({
  registrations,
  registrationAttempts,
  registrationLimitPerHour,
  confirmations,
  auth,
  now,
}: RegistrationRoutesDeps) {
  const pin = auth.need("compose");

  /**
   * Every attempt within the size limit counts, valid or not, new address or not: otherwise a
   * script could fill the list with strangers' addresses, or tell registered ones by the 409.
   */
  function limitAttempts(c: Context): Promise<void> {
    return enforceLimit(
      registrationAttempts,
      clientIp(c) ?? "unknown",
      registrationLimitPerHour,
      now(),
      (minutes) => `Too many registrations from this address: try again in ${minutes} minutes`,
    );
  }

  const app = new OpenAPIHono();
  const registerRoute = createRoute({
    method: "post",
    path: "/",
    operationId: "register",
    security: PUBLIC,
    summary: "Register an administrator's address",
    description:
      "OpenEMR posts a form; older clients post JSON. Every attempt within the size limit counts towards the per-IP " +
      "hourly limit. Registering an address that opted out answers 201 but leaves it opted out, and emails its owner " +
      "a confirmation link. Registering an active address again with a `version` is an installation reporting an " +
      "upgrade (OpenEMR 7 and 8 ask after every one and read anything but 201 as a server error): 201 with the " +
      "registration's existing product id, the version recorded as its latest, `count` and `active` unchanged. " +
      "Without a version (OpenEMR 5, the 2016 API's clients) it stays 409, as it always was.",
    middleware: [limitBody(MAX_REGISTRATION_BYTES)],
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
  });
  app.openapi(registerRoute, async (c) => {
    await limitAttempts(c);
    const request = parseRegistration(await readBody(c));
    const { productId, pending, reported } = await register(registrations, request, {
      sourceIp: clientIp(c),
      now: now(),
      confirmations,
    });
    const details = { email: maskEmail(request.email), version: request.version };
    if (pending)
      logger.info("registered again, awaiting confirmation", {
        ...details,
        confirmationSent: pending.confirmationSent,
      });
    else if (reported) logger.info("version reported", { ...details, previousVersion: reported.previousVersion });
    else logger.info("registered", details);
    return c.json({ productId }, 201);
  });

  const uniqueRoute = createRoute({
    method: "get",
    path: "/unique",
    operationId: "countRegistrations",
    security: PUBLIC,
    summary: "Count registrations",
    description: "`count`: every address ever registered; `active`: how many a broadcast would mail now. One read.",
    middleware: [onlyQuery()],
    responses: {
      200: { description: "The counts", content: { [JSON_TYPE]: { schema: RegistrationCounts } } },
      ...UNKNOWN_QUERY_ERROR,
      429: gatewayThrottled,
      503: jsonError("ServiceUnavailableException: the table is briefly unreachable", retryAfter),
    },
  });
  app.openapi(uniqueRoute, async (c) => c.json(await registrations.counts(), 200));

  const versionsRoute = createRoute({
    method: "get",
    path: "/versions",
    operationId: "activeVersions",
    summary: "Active registrations by OpenEMR version and distribution",
    description:
      "By each registration's latest reported version (an upgrade report replaces it) and distribution, `unknown` " +
      "where none was sent: who still runs a vulnerable release. Reads the whole list, a parallel scan of four " +
      "attributes: about 3,750 read units at 100,000 registrations.",
    security: PIN_OR_TOKEN,
    middleware: [pin, onlyQuery()],
    responses: {
      200: { description: "The tallies", content: { [JSON_TYPE]: { schema: ActiveVersionsBody } } },
      ...UNKNOWN_QUERY_ERROR,
      ...PIN_ERRORS,
    },
  });
  app.openapi(versionsRoute, async (c) => {
    return c.json(await registrations.activeVersions(), 200);
  });

  const audienceRoute = createRoute({
    method: "get",
    path: "/audience",
    operationId: "audienceReach",
    summary: "How many active addresses a broadcast to this audience reaches",
    description:
      "The audience as a broadcast takes it: `belowVersion` (in OpenEMR's order, by each registration's latest " +
      "version) and/or `distribution` (repeated or comma-separated). A registration without a known version is " +
      "not below any version: `unknownVersion` counts them. The same scan as `/versions`.",
    security: PIN_OR_TOKEN,
    middleware: [pin, onlyQuery(...Object.keys(AudienceQuery.shape))],
    request: { query: AudienceQuery },
    responses: {
      200: { description: "The reach", content: { [JSON_TYPE]: { schema: AudienceReachBody } } },
      400: jsonError(
        "InvalidAudienceException: a version OpenEMR does not write; InvalidQueryException: another query parameter",
      ),
      ...PIN_ERRORS,
    },
  });
  app.openapi(
    audienceRoute,
    async (c) => {
      const audience = parseAudience({
        belowVersion: c.req.query("belowVersion"),
        distribution: c.req.queries("distribution"),
      });
      return c.json({ audience, ...(await registrations.audienceReach(audience)) }, 200);
    },
    invalidRequestHook("InvalidAudienceException"),
  );
  return app;
}

function parseRegistration(body: unknown): RegistrationRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ApiError(400, "MalformedRequestException", "The body must be an object with an email field");
  }
  const result = RegistrationRequest.safeParse(body);
  if (result.success) return result.data;
  const emailIsWrong = result.error.issues.some((issue) => issue.path[0] === "email");
  throw invalidInput(emailIsWrong ? "InvalidEmailException" : "InvalidRequestException", result.error);
}
