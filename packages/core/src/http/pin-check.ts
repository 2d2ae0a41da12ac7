import type { Context } from "hono";
import { type PinGuard, pinMatches } from "../limits/pin-guard.ts";
import { secrets, secretTooShort } from "../resources.ts";
import { clientIp } from "./client-ip.ts";
import { ApiError } from "./errors.ts";

export type PinCheckDeps = { pinGuard: PinGuard; secretPin: string; now: () => Date };

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
