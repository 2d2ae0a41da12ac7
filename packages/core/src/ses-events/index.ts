/**
 * SES events: the bounces, complaints and deliveries SES publishes to SNS, parsed in either of
 * its formats, kept once each in the history of their address, and turned into registration
 * statuses (`bounced`, `complained`) so that an address that cannot or must not be mailed is not.
 * @module
 */
export {
  addressHistory,
  applySesEvent,
  decideSesEffect,
  isHardBounce,
  type SesEventOutcome,
  TRANSIENT_BOUNCE_LIMIT,
} from "./apply.ts";
export { createDynamoSesEventStore, type DynamoSesEventStoreOptions } from "./dynamo-store.ts";
export { createSesEventsHandler, type SesEventsHandlerDeps } from "./lambda.ts";
export { type ParsedNotification, parseSesNotification, type SesEvent } from "./parse.ts";
export { IdentityNotification, PublishedEvent } from "./schema.ts";
export type { DeliveryState, HistoryEntry, RecordRequest, SesEffect, SesEventStore } from "./store.ts";
