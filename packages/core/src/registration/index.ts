/**
 * The announcement list: who is on it, how they get there, and how they leave it.
 * @module
 */
export { maskEmail, normalizeEmail, redactEmails } from "../address.ts";
export { EmailAddress } from "../address-schema.ts";
export {
  CONFIRMATION_VALID_DAYS,
  type ConfirmationSender,
  type ConfirmationSenderOptions,
  createConfirmationSender,
} from "./confirmation-sender.ts";
export { counterShardOf, counterUpdate, isoWeek, weekAttribute } from "./counters.ts";
export { createDynamoRegistrationStore, type DynamoRegistrationStoreOptions } from "./dynamo-store.ts";
export { AlreadyRegisteredError, ConfirmationNotSentError, ErasedAddressError } from "./errors.ts";
export { type ConfirmOutcome, confirm, type UnsubscribeOutcome, unsubscribe } from "./opt-out.ts";
export {
  CONFIRMATION_INTERVAL_MS,
  newRegistration,
  type RegisterContext,
  register,
} from "./register.ts";
export { RegistrationRequest } from "./request.ts";
export type {
  Erasure,
  ListChange,
  Registration,
  RegistrationStatus,
  RegistrationStore,
  Reregistration,
  ScanCursor,
  ScanEntry,
  ScanPageRequest,
  StatusChange,
} from "./store.ts";
