/**
 * The announcement list: who is on it, how they get there, and how they leave it.
 * @module
 */
export { EmailAddress, maskEmail, normalizeEmail, redactEmails } from "../address.ts";
export { AlreadyRegisteredError, ConfirmationNotSentError } from "./errors.ts";
export {
  CONFIRMATION_VALID_DAYS,
  createConfirmationSender,
  type ConfirmationSender,
  type ConfirmationSenderOptions,
} from "./confirmation-sender.ts";
export { confirm, type ConfirmOutcome, unsubscribe, type UnsubscribeOutcome } from "./opt-out.ts";
export { CONFIRMATION_INTERVAL_MS, register, RegistrationRequest, type RegisterContext } from "./register.ts";
export type {
  ListChange,
  Registration,
  RegistrationStatus,
  RegistrationStore,
  Reregistration,
  ScanCursor,
  ScanPageRequest,
  StatusChange,
} from "./store.ts";
export { counterShardOf, counterUpdate } from "./counters.ts";
export { createDynamoRegistrationStore, type DynamoRegistrationStoreOptions } from "./dynamo-store.ts";
