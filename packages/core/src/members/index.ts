/**
 * The board's named members: their roles, invitations, personal tokens and passkeys.
 * @module
 */

export * from "./challenges.ts";
export * from "./passkeys.ts";
export * from "./role-schemas.ts";
export * from "./roles.ts";
export * from "./store.ts";
export * from "./tokens.ts";
