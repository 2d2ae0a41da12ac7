/**
 * The audit log: who did what, when and from where, in an append-only chain of hashes. Nothing
 * else writes audit items; everything that acts calls `record()`.
 * @module
 */
export * from "./chain.ts";
export * from "./store.ts";
