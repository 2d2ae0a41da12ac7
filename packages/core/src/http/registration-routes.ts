import type { Context } from "hono";
import { Hono } from "hono/tiny";
import { maskEmail } from "../address.ts";
import type { WindowCounter } from "../limits/window-counter.ts";
import { logger } from "../log.ts";
import type { ConfirmationSender } from "../registration/confirmation-sender.ts";
import { register } from "../registration/register.ts";
import type { RegistrationRequest } from "../registration/request.ts";
import type { RegistrationStore } from "../registration/store.ts";
import { limitBody, readBody } from "./body.ts";
import type { Auth } from "./caller.ts";
import { clientIp } from "./client-ip.ts";
import { ApiError, invalidInput, invalidRequestHook } from "./errors.ts";
import { onlyQuery, queryValues } from "./known-query.ts";
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
/** What `GET /audience` takes: `AudienceQuery`'s fields (`api-schemas.ts`). */
export const AUDIENCE_QUERY = ["belowVersion", "distribution"];

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

  // Plain Hono, described by `registration-operations.ts`: a cold start that registers or counts
  // loads neither classic zod nor the OpenAPI generator (issue #26). The board's audience query
  // is checked with classic zod's schemas, loaded with its first request.
  const invalidAudience = invalidRequestHook("InvalidAudienceException");
  return new Hono()
    .post("/", limitBody(MAX_REGISTRATION_BYTES), async (c) => {
      await limitAttempts(c);
      const request = await parseRegistration(await readBody(c));
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
    })
    .get("/unique", onlyQuery(), async (c) => c.json(await registrations.counts(), 200))
    .get("/versions", pin, onlyQuery(), async (c) => c.json(await registrations.activeVersions(), 200))
    .get("/audience", pin, onlyQuery(...AUDIENCE_QUERY), async (c) => {
      const [{ AudienceQuery }, { parseAudience }] = await Promise.all([
        import("./api-schemas.ts"),
        import("./audience-fields.ts"),
      ]);
      invalidAudience(AudienceQuery.safeParse(queryValues(c)));
      const audience = parseAudience({
        belowVersion: c.req.query("belowVersion"),
        distribution: c.req.queries("distribution"),
      });
      return c.json({ audience, ...(await registrations.audienceReach(audience)) }, 200);
    });
}

/** zod loads with the first registration parsed, not with a cold start that only counts (issue #26). */
async function parseRegistration(body: unknown): Promise<RegistrationRequest> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ApiError(400, "MalformedRequestException", "The body must be an object with an email field");
  }
  const { RegistrationRequest } = await import("../registration/request.ts");
  const result = RegistrationRequest.safeParse(body);
  if (result.success) return result.data;
  const emailIsWrong = result.error.issues.some((issue) => issue.path[0] === "email");
  throw invalidInput(emailIsWrong ? "InvalidEmailException" : "InvalidRequestException", result.error);
}
