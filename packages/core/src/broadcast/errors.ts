/** No broadcast has this id. */
export class BroadcastNotFoundError extends Error {
  override name = "BroadcastNotFoundError";
}

/** Only a paused broadcast can be resumed. */
export class BroadcastNotPausedError extends Error {
  override name = "BroadcastNotPausedError";
}

/** An Idempotency-Key named another broadcast request within the last 24 hours. */
export class IdempotencyKeyReusedError extends Error {
  override name = "IdempotencyKeyReusedError";
}

/** Only a queued, sending or paused broadcast can be cancelled. */
export class BroadcastNotCancellableError extends Error {
  override name = "BroadcastNotCancellableError";
}
