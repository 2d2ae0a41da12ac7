/** No broadcast has this id. */
export class BroadcastNotFoundError extends Error {
  override name = "BroadcastNotFoundError";
}

/** Only a paused broadcast can be resumed. */
export class BroadcastNotPausedError extends Error {
  override name = "BroadcastNotPausedError";
}
