/**
 * Requests exactly as OpenEMR 7 and 8 send them, and how OpenEMR reads the answers.
 * @module
 */

/**
 * PHP's `http_build_query`, as ProductRegistrationService encodes its form: RFC 1738, so spaces
 * become `+` and `@`, `(`, `)` are escaped.
 */
export function httpBuildQuery(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(
      ([name, value]) =>
        `${name}=${encodeURIComponent(value)
          .replace(/%20/g, "+")
          .replace(/[()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`,
    )
    .join("&");
}

/** A registration as OpenEMR 7 and 8 post it: a form, with the version and distribution they send. */
export function openEmrRegisters(base: string, fields: Record<string, string>): Promise<Response> {
  return fetch(`${base}/api/registration`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: httpBuildQuery(fields),
  });
}

// Usage reports as TelemetryService sends them: `json_encode` of usage records (numbers from the
// database, as strings) and locale data whose location, settings, population data, module counts
// and encounter forms are JSON strings inside the JSON; `Content-Type: application/json` and
// `Content-Length`; the installation's uuid url-encoded in `SiteID`.
export function openEmrReport({
  date = "20261201",
  version = "7.0.3 (4)",
  country = "US",
  records = 3,
  php = "8.3.9",
} = {}) {
  return {
    usageRecords: [
      ...Array.from({ length: records }, (_, i) => ({
        event_type: "menuClick",
        event_label: `Menu ${i}`,
        event_url: "/interface/main/calendar/index.php",
        event_target: "main",
        first_event: "2026-11-01 09:12:44",
        last_event: "2026-11-30 17:02:10",
        count: String(10 + i),
      })),
      {
        event_type: "API",
        event_label: "api",
        event_url: "GET /apis/default/api/patient/12",
        event_target: "admin",
        first_event: "2026-11-02 10:00:00",
        last_event: "2026-11-29 10:00:00",
        count: "41",
      },
      {
        event_type: "API",
        event_label: "api",
        event_url: "GET /apis/default/api/patient/97",
        event_target: "admin",
        first_event: "2026-11-02 10:00:00",
        last_event: "2026-11-29 10:00:00",
        count: 1,
      },
    ],
    localeData: {
      site_uuid: "ignored-in-favour-of-SiteID",
      reporting_interval: "202610",
      reporting_date: date,
      location: JSON.stringify({ country, region: "Oregon", city: "Portland", latitude: 45.52, longitude: -122.68 }),
      time_zone: "America/Los_Angeles",
      locale: "en_US",
      version,
      environment: `Linux, 6.8.0-45-generic, ${php}`,
      distribution: "",
      settings: JSON.stringify({ portal_enabled: true }),
      populationData: JSON.stringify({ patients: "1200", encounters: 5000 }),
      moduleCounts: JSON.stringify({ "Claim Revenue Cycle": 1, "Fax SMS": "0", Weno: 1 }),
      enabledEncounterForms: JSON.stringify([
        { name: "Vitals", directory: "vitals" },
        { name: "SOAP", directory: "soap" },
      ]),
    },
  };
}

export function telemetryPost(
  base: string,
  siteId: string | undefined,
  body: string,
  contentType = "application/json",
) {
  const query = siteId === undefined ? "" : `?SiteID=${encodeURIComponent(siteId)}`;
  return fetch(`${base}/api/usage${query}`, {
    method: "POST",
    headers: { "content-type": contentType, "content-length": String(Buffer.byteLength(body)) },
    body,
  });
}

/**
 * What TelemetryService checks before it empties its `track_events`: 200, 201 or 204, and a body that decodes to
 * something.
 */
export async function openEmrClears(response: Response): Promise<boolean> {
  if (![200, 201, 204].includes(response.status)) return false;
  try {
    const decoded = JSON.parse(await response.text()) as unknown;
    return decoded !== null && decoded !== "" && !(typeof decoded === "object" && Object.keys(decoded).length === 0);
  } catch {
    return false;
  }
}
