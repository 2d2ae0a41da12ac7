/**
 * What is kept about an address, for its owner: the export, the erase, the suppression list's
 * hashes, and the sweep of expired items that the local runner does as DynamoDB's TTL would.
 * @module
 */
export { createAddressHasher } from "./address-hash.ts";
export { type AddressItems, type BroadcastSummary, createAddressItems, type FoundItems } from "./address-items.ts";
export { type EraseDeps, type EraseOutcome, type ErasureRequester, eraseAddress } from "./erase.ts";
export { type AddressExport, exportAddress, exportFile } from "./export.ts";
export { type SourceIpSweep, type SourceIpSweepOutcome, sweepSourceIps } from "./source-ip-sweep.ts";
export { sweepExpired, type TtlSweep } from "./ttl-sweep.ts";
