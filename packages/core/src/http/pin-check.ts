import type { Context } from "hono";
import { type PinGuard, pinMatches } from "../limits/pin-guard.ts";
import { secrets, secretTooShort } from "../resources.ts";
import { clientIp } from "./client-ip.ts";
import { ApiError } from "./errors.ts";
import { jsonError, retryAfter } from "./openapi.ts";

export type PinCheckDeps = { pinGuard: PinGuard; secretPin: string; now: () => Date };

/** The answers every PIN route may give besides its own, for its OpenAPI description. */
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

/**
 * Whether a browser says another site made this request: `Sec-Fetch-Site` (sent by today's
 * browsers) unless it is `same-origin` or `none` (typed or bookmarked), or an `Origin` that is not
 * this API's. Clients that are not browsers (the CLI, curl, OpenEMR) send neither.
 */
function crossSite(c: Context): boolean {
  const fetchSite = c.req.header("sec-fetch-site");
  if (fetchSite !== undefined && fetchSite !== "same-origin" && fetchSite !== "none") return true;
  const origin = c.req.header("origin");
  return origin !== undefined && origin !== new URL(c.req.url).origin;
}

/** The header the board's PIN travels in; a form or JSON body may carry it as `secretPin` instead. */
export const PIN_HEADER = "x-secret-pin";

/**
 * The board's PIN check: refuses a request another site's page made a browser send, reserves a
 * comparison before comparing (so concurrent guesses get no more than the limits), then lets the
 * board in or throws the 401, or the 429 once the allowance is spent.
 */
export function createPinCheck({ pinGuard, secretPin, now }: PinCheckDeps) {
  const misconfigured = secretTooShort("SecretPin", secrets.SecretPin, secretPin);
  return async function authorize(c: Context, candidate: unknown): Promise<void> {
    if (crossSite(c))
      throw new ApiError(403, "CrossSiteRequestException", "A PIN route takes no requests that another site sent");
    if (misconfigured) throw new ApiError(503, "PinNotConfiguredException", `${misconfigured}: set a longer one`);
    const at = now();
    const attempt = await pinGuard.reserve(clientIp(c) ?? "unknown", at);
    if (!attempt.granted) {
      const retryAfter = Math.max(1, Math.ceil((attempt.until.getTime() - at.getTime()) / 1000));
      const what =
        attempt.scope === "ip"
          ? "Too many wrong PINs, or PIN requests at once, from this address"
          : "Too many wrong PINs from everywhere: every PIN route is locked";
      throw new ApiError(
        429,
        "TooManyRequestsException",
        `${what}; try again in ${Math.ceil(retryAfter / 60)} minutes`,
        {
          headers: { "Retry-After": String(retryAfter) },
        },
      );
    }
    if (typeof candidate !== "string" || !pinMatches(secretPin, candidate)) {
      await pinGuard.failed(attempt, at);
      throw new ApiError(401, "InvalidSecretPinException", "The secret PIN is missing or wrong");
    }
    await pinGuard.succeeded(attempt);
  };
}
