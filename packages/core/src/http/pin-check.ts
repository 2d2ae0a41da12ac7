import type { Context } from "hono";
import { type PinGuard, pinMatches } from "../broadcast/pin.ts";
import { clientIp } from "./client-ip.ts";
import { ApiError } from "./errors.ts";
import { jsonError, retryAfter } from "./openapi.ts";

export type PinCheckDeps = { pinGuard: PinGuard; secretPin: string; now: () => Date };

/** The answers every PIN route may give besides its own, for its OpenAPI description. */
export const PIN_ERRORS = {
  401: jsonError("InvalidSecretPinException: wrong or missing PIN"),
  429: jsonError("TooManyRequestsException: 5 wrong PINs from this IP lock it out for 15 minutes, even with the right PIN", retryAfter),
};

/**
 * The board's PIN check, shared by every PIN route: lets the board in, or counts a wrong PIN
 * against the caller's address and throws the 401 (or, once locked out, the 429).
 */
export function createPinCheck({ pinGuard, secretPin, now }: PinCheckDeps) {
  return async function authorize(c: Context, candidate: unknown): Promise<void> {
    const ip = clientIp(c) ?? "unknown";
    const at = now();
    const lockedUntil = await pinGuard.lockedUntil(ip, at);
    if (lockedUntil) {
      const retryAfter = Math.ceil((lockedUntil.getTime() - at.getTime()) / 1000);
      throw new ApiError(429, "TooManyRequestsException", `Too many wrong PINs: try again in ${Math.ceil(retryAfter / 60)} minutes`, {
        headers: { "Retry-After": String(retryAfter) },
      });
    }
    if (typeof candidate !== "string" || !pinMatches(secretPin, candidate)) {
      await pinGuard.recordFailure(ip, at);
      throw new ApiError(401, "InvalidSecretPinException", "The secret PIN is missing or wrong");
    }
  };
}
