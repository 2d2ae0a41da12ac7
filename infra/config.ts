/**
 * Deploy-time settings, read from the environment that `sst deploy` loads from `.env.<stage>`.
 * Nothing here is secret: secrets are `sst.Secret`s (see secrets.ts).
 */

export const production = $app.stage === "production";

/** The SES identity: a domain (verified through DKIM) or a single address. */
export const sesSender = required("SES_SENDER");
/** Emails per second the account may send; the senders share it (SES's sandbox allows 1). */
export const sesSendRate = positiveNumber("SES_SEND_RATE", 14);
export const registrationLimitPerHour = positiveNumber("REGISTRATION_LIMIT_PER_HOUR", 20);
/** Usage reports accepted per caller IP an hour, and per site a day (OpenEMR sends one every 33 days). */
export const usageLimitPerHour = positiveNumber("USAGE_LIMIT_PER_HOUR", 60);
export const usageLimitPerDay = positiveNumber("USAGE_LIMIT_PER_DAY", 10);
/** How long a usage report is kept. */
export const usageRetentionDays = positiveNumber("USAGE_RETENTION_DAYS", 400);
/** How long an audit record is kept (docs/privacy.md). */
export const auditRetentionDays = positiveNumber("AUDIT_RETENTION_DAYS", 730);
/** Whether the seed's PIN routes still take the PIN ("on"), or answer 410 and ask for a token ("off"). */
export const pinRoutes = oneOf("PIN_ROUTES", ["on", "off"] as const, "on") === "on";
/** How long delivery records and SES message ids, and history entries, are kept (docs/privacy.md). */
export const deliveryRetentionDays = positiveNumber("DELIVERY_RETENTION_DAYS", 90);
export const historyRetentionDays = positiveNumber("HISTORY_RETENTION_DAYS", 730);
/**
 * Approvals a draft needs from members who may approve, other than its requester (the two-person
 * rule), and how long an approval counts. 0 is for the local runner only: a deployed stage refuses it.
 */
export const approvalsRequired = approvalCount("APPROVALS_REQUIRED", 1);
export const approvalHours = positiveNumber("APPROVAL_HOURS", 72);
/** How long a source IP is kept whole before it is cut to its /24 or /48 (docs/privacy.md). */
export const sourceIpWholeDays = positiveNumber("SOURCE_IP_WHOLE_DAYS", 30);
/** Where unsubscribe links point; the API's own URL when unset. */
export const publicUrl = optional("PUBLIC_URL");
/**
 * Steady requests per second and burst of the stage's throttle, which `POST /api/registration`
 * takes; the other routes have their own (resources.ts). Sized for the seed's load test: 255
 * connections reached 4,000 requests a second.
 */
export const apiThrottleRate = positiveNumber("API_THROTTLE_RATE", 4000);
export const apiThrottleBurst = positiveNumber("API_THROTTLE_BURST", 2000);
/** Copies of the API function that may run at once: the cap on what a flood can cost (docs/operations.md, the edge). */
export const apiReservedConcurrency = positiveNumber("API_RESERVED_CONCURRENCY", 100);
/** How long API Gateway's access log is kept. */
export const accessLogRetention = oneOf(
  "ACCESS_LOG_RETENTION",
  ["1 week", "2 weeks", "1 month", "3 months", "1 year"],
  "1 month",
);
/** A custom domain for the API, e.g. `register.open-emr.org`. */
export const apiDomain = optional("API_DOMAIN");
/** An ACM certificate for API_DOMAIN in the stack's region, needed when DNS is not in Route 53. */
export const apiDomainCert = optional("API_DOMAIN_CERT");
/** A Route 53 hosted zone id: SST then writes the DKIM, DMARC and API domain records itself. */
export const dnsZone = optional("DNS_ZONE");
/** Who hears about alarms. Required in production, where nobody would notice otherwise. */
export const alarmEmail = production ? required("ALARM_EMAIL") : optional("ALARM_EMAIL");

function optional(name: string): string | undefined {
  return process.env[name]?.trim() || undefined;
}

function required(name: string): string {
  const value = optional(name);
  if (!value) throw new Error(`Set ${name} in .env.${$app.stage} (see docs/operations.md, Deploy)`);
  return value;
}

function oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const raw = optional(name) ?? fallback;
  if (!allowed.includes(raw as T)) throw new Error(`${name} must be one of ${allowed.join(", ")}, not "${raw}"`);
  return raw as T;
}

function approvalCount(name: string, fallback: number): number {
  const raw = optional(name);
  if (raw === "0")
    throw new Error(
      `${name} is 0: a deployed stage needs at least 1 approval by another member (0 is for npm start only)`,
    );
  const value = positiveNumber(name, fallback);
  if (!Number.isInteger(value)) throw new Error(`${name} must be a whole number of approvals, not "${raw}"`);
  return value;
}

function positiveNumber(name: string, fallback: number): number {
  const raw = optional(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!(value > 0)) throw new Error(`${name} must be a positive number, not "${raw}"`);
  return value;
}
