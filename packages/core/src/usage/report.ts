import { z } from "zod";

/**
 * A usage report as OpenEMR (since 7.0.3, `src/Telemetry/TelemetryService.php`) posts it to
 * `/api/usage?SiteID=<installation uuid>`: `json_encode` of its usage records and locale data.
 * PHP hands over database values, so numbers often arrive as strings, and several fields of
 * `localeData` arrive as JSON encoded a second time. Unknown fields are ignored.
 */

/** Records kept from one report at most: a site's 33 days of menu clicks and API calls by kind. */
export const MAX_USAGE_RECORDS = 5_000;

const Text = (max: number) =>
  z
    .union([z.string(), z.number(), z.boolean(), z.null()])
    .transform((value) => (value === null ? "" : String(value)))
    .pipe(z.string().max(max));
const Count = z
  .union([z.number(), z.string().trim().regex(/^\d+$/, "a whole number")])
  .transform(Number)
  .pipe(z.number().int().min(0).max(Number.MAX_SAFE_INTEGER));

/** A field OpenEMR sends as a JSON string; an already-decoded value is taken as it is. */
const Encoded = z
  .union([z.string().max(256 * 1024), z.record(z.string(), z.unknown()), z.array(z.unknown()), z.null()])
  .transform((value, ctx) => {
    if (typeof value !== "string") return value ?? undefined;
    if (value === "") return undefined;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      ctx.addIssue({ code: "custom", message: "not valid JSON" });
      return z.NEVER;
    }
  });

export const UsageRecord = z.object({
  event_type: Text(64),
  event_label: Text(255).optional(),
  event_url: Text(255).optional(),
  event_target: Text(255).optional(),
  first_event: Text(32).optional(),
  last_event: Text(32).optional(),
  count: Count,
});

export const UsageReport = z.object({
  usageRecords: z.array(UsageRecord).max(MAX_USAGE_RECORDS),
  localeData: z.object({
    site_uuid: Text(64).optional(),
    reporting_interval: Text(6).optional(),
    reporting_date: z
      .union([z.string(), z.number()])
      .transform(String)
      .pipe(z.string().regex(/^\d{8}$/, "YYYYMMDD")),
    location: Encoded.optional(),
    time_zone: Text(64).optional(),
    locale: Text(32).optional(),
    version: Text(64).optional(),
    environment: Text(255).optional(),
    distribution: Text(64).optional(),
    settings: Encoded.optional(),
    populationData: Encoded.optional(),
    moduleCounts: Encoded.optional(),
    enabledEncounterForms: Encoded.optional(),
  }),
});
export type UsageReport = z.infer<typeof UsageReport>;

/** What is kept of a report: anonymous, as OpenEMR promises. */
export type StoredReport = {
  siteId: string;
  reportingDate: string;
  reportingInterval?: string;
  receivedAt: string;
  version?: string;
  /** `Linux, 6.8.0, 8.3.9`: OS, kernel and PHP, as OpenEMR sends it. */
  environment?: string;
  php?: string;
  distribution?: string;
  timeZone?: string;
  locale?: string;
  /** Of `location`, only these: latitude, longitude and city are dropped on arrival. */
  country?: string;
  region?: string;
  settings?: unknown;
  populationData?: unknown;
  moduleCounts?: unknown;
  enabledEncounterForms?: unknown;
  usageRecords: UsageReport["usageRecords"];
};

/** The report as stored: location cut down to country and region, nothing that names a person or an IP. */
export function storedReport(
  siteId: string,
  { usageRecords, localeData }: UsageReport,
  receivedAt: Date,
): StoredReport {
  const location =
    typeof localeData.location === "object" && localeData.location !== null
      ? (localeData.location as Record<string, unknown>)
      : {};
  const place = (name: string) =>
    typeof location[name] === "string" && location[name] ? (location[name] as string).slice(0, 64) : undefined;
  return {
    siteId,
    reportingDate: localeData.reporting_date,
    reportingInterval: localeData.reporting_interval || undefined,
    receivedAt: receivedAt.toISOString(),
    version: localeData.version || undefined,
    environment: localeData.environment || undefined,
    php: localeData.environment?.split(",").at(-1)?.trim() || undefined,
    distribution: localeData.distribution || undefined,
    timeZone: localeData.time_zone || undefined,
    locale: localeData.locale || undefined,
    country: place("country") ?? place("country_code") ?? place("countryCode"),
    region: place("region") ?? place("regionName"),
    settings: localeData.settings,
    populationData: localeData.populationData,
    moduleCounts: localeData.moduleCounts,
    enabledEncounterForms: localeData.enabledEncounterForms,
    usageRecords,
  };
}
