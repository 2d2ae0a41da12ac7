/**
 * Anonymous usage reports from OpenEMR installations, and what the board reads of them.
 * @module
 */
export {
  createDynamoUsageStore,
  MAX_STORED_REPORT_BYTES,
  ReportTooLargeError,
  type UsageStore,
} from "./dynamo-store.ts";
export { MAX_USAGE_RECORDS, type StoredReport, storedReport, UsageReport } from "./report.ts";
export { type SiteSnapshot, snapshotOf, summarize, type Tally, type UsageSummary } from "./summary.ts";
