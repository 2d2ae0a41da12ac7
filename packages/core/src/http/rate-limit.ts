import type { WindowCounter } from "../limits/window-counter.ts";
import { ApiError } from "./errors.ts";

/**
 * Counts a hit on `key` and throws the 429 with `Retry-After` (seconds to the window's end) once
 * the window holds more than `max`; `refusal` is the sentence, given the minutes to wait.
 */
export async function enforceLimit(
  counter: WindowCounter,
  key: string,
  max: number,
  now: Date,
  refusal: (minutes: number) => string,
): Promise<void> {
  const { hits, endsAt } = await counter.hit(key, now);
  if (hits <= max) return;
  const seconds = Math.max(1, Math.ceil((endsAt.getTime() - now.getTime()) / 1000));
  throw new ApiError(429, "TooManyRequestsException", refusal(Math.ceil(seconds / 60)), {
    headers: { "Retry-After": String(seconds) },
  });
}
