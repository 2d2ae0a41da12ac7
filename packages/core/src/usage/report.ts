import * as z from "../zod-mini.ts";

/**
 * A usage report as OpenEMR (since 7.0.3, `src/Telemetry/TelemetryService.php`) posts it to
 * `/api/usage?SiteID=<installation uuid>`: `json_encode` of its usage records and locale data.
 * PHP hands over database values, so numbers often arrive as strings, and several fields of
 * `localeData` arrive as JSON encoded a second time. Unknown fields are ignored.
 */

/** Records kept from one report at most: a site's 33 days of menu clicks and API calls by kind. */
export const MAX_USAGE_RECORDS = 5_000;

const Text = (max: number) =>
  z.pipe(
    z.pipe(
      z.union([z.string(), z.number(), z.boolean(), z.null()]),
      z.transform((value) => (value === null ? "" : String(value))),
    ),
    z.string().check(z.maxLength(max)),
  );
const Count = z.pipe(
  z.pipe(z.union([z.number(), z.string().check(z.trim(), z.regex(/^\d+$/, "a whole number"))]), z.transform(Number)),
  z.number().check(z.int(), z.gte(0), z.lte(Number.MAX_SAFE_INTEGER)),
);

/** A field OpenEMR sends as a JSON string; an already-decoded value is taken as it is. */
const Encoded = z.pipe(
  z.union([
    z.string().check(z.maxLength(256 * 1024)),
    z.record(z.string(), z.unknown()),
    z.array(z.unknown()),
    z.null(),
  ]),
  z.transform((value, ctx) => {
    if (typeof value !== "string") return value ?? undefined;
    if (value === "") return undefined;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      ctx.issues.push({ code: "custom", message: "not valid JSON", input: value });
      return z.NEVER;
    }
  }),
);

export const UsageRecord = z.object({
  event_type: Text(64),
  event_label: z.optional(Text(255)),
  event_url: z.optional(Text(255)),
  event_target: z.optional(Text(255)),
  first_event: z.optional(Text(32)),
  last_event: z.optional(Text(32)),
  count: Count,
});

export const UsageReport = z.object({
  usageRecords: z.array(UsageRecord).check(z.maxLength(MAX_USAGE_RECORDS)),
  localeData: z.object({
    site_uuid: z.optional(Text(64)),
    reporting_interval: z.optional(Text(6)),
    reporting_date: z.pipe(
      z.pipe(z.union([z.string(), z.number()]), z.transform(String)),
      z.string().check(z.regex(/^\d{8}$/, "YYYYMMDD")),
    ),
    location: z.optional(Encoded),
    time_zone: z.optional(Text(64)),
    locale: z.optional(Text(32)),
    version: z.optional(Text(64)),
    environment: z.optional(Text(255)),
    distribution: z.optional(Text(64)),
    settings: z.optional(Encoded),
    populationData: z.optional(Encoded),
    moduleCounts: z.optional(Encoded),
    enabledEncounterForms: z.optional(Encoded),
  }),
});
export type UsageReport = z.infer<typeof UsageReport>;

/** `POST /api/usage`'s query: the installation's id, which comes nowhere else. */
export const UsageQuery = z.object({
  SiteID: z
    .string({ error: "SiteID is required" })
    .check(
      z.trim(),
      z.minLength(1, "SiteID is required"),
      z.maxLength(64),
      z.regex(/^[A-Za-z0-9._-]+$/, "letters, digits, dots, dashes and underscores"),
    )
    .register(z.globalRegistry, {
      param: { name: "SiteID", in: "query" },
      description: "The installation's unique id",
    }),
});

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
