/**
 * Signed tokens for links in mail (unsubscribe, address confirmation): they carry an address,
 * cannot be forged without the key, and are valid for one purpose only.
 * @module
 */
export { signToken, verifyToken, type TokenClaims, type TokenPurpose } from "./sign.ts";
