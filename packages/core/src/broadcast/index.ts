/**
 * Broadcasts: the board's announcement, fanned out to every registration and sent once to each.
 * @module
 */

export {
  createSesMailer,
  fromAddress,
  type Mailer,
  PermanentSendError,
  RetryableSendError,
} from "../email/ses-mailer.ts";
export { BOUNCE_PAUSE, bouncePauseReason, pauseIfBouncing } from "./bounce-pause.ts";
export { createDynamoBroadcastStore } from "./dynamo-store.ts";
export { BroadcastNotFoundError, BroadcastNotPausedError, IdempotencyKeyReusedError } from "./errors.ts";
export { type FanoutDeps, fanOut } from "./fanout.ts";
export { createFanoutHandler, createSendHandler, type SendHandlerDeps } from "./lambda.ts";
export { decodeListCursor, encodeListCursor, ListCursor, type ListPageRequest } from "./list-page.ts";
export { createDynamoSendPacer, type SendPacer } from "./pacing.ts";
export { readProgress } from "./progress.ts";
export { createSender, DeliveryBusyError, type SenderDeps, UnknownDeliveryError } from "./send.ts";
export {
  FANOUT_SEGMENTS,
  requeueStalledBroadcasts,
  resumeBroadcast,
  resumePausedBroadcast,
  resumeUnfinishedBroadcasts,
  STALLED_AFTER_MS,
  startBroadcast,
} from "./start.ts";
export type {
  Broadcast,
  BroadcastContent,
  BroadcastStatus,
  BroadcastStore,
  DeliveryOutcome,
  Settlement,
} from "./store.ts";
export { FanoutTask, SendTask } from "./tasks.ts";
