/**
 * The announcement list: who is on it, and how they get there.
 * @module
 */
export { EmailAddress, maskEmail, normalizeEmail } from "./email.ts";
export { AlreadyRegisteredError } from "./errors.ts";
export { register, RegistrationRequest, type RegisterContext } from "./register.ts";
export type { Registration, RegistrationStatus, RegistrationStore, ScanCursor, ScanPageRequest } from "./store.ts";
export { createDynamoRegistrationStore, type DynamoRegistrationStoreOptions } from "./dynamo-store.ts";
