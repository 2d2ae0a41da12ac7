/**
 * Tokens for links in mail (unsubscribe, address confirmation): they carry an address sealed so
 * that only the key's holder can read it, cannot be forged without the key, are valid for one
 * purpose only, and name their key so that links keep working after a rotation.
 * @module
 */
export { signToken, type TokenClaims, type TokenPurpose, verifyToken } from "./sign.ts";
