import { versionBucket } from "../registration/openemr-version.ts";
import type { StoredReport } from "./report.ts";

/** What the summary needs of a site: its latest report, boiled down. Kept per site as reports arrive. */
export type SiteSnapshot = {
  siteId: string;
  reportingDate: string;
  receivedAt: string;
  version: string;
  country: string;
  distribution: string;
  php: string;
  modules: string[];
  forms: string[];
  /** API calls in its latest report, by method and path (ids left out). */
  api: Record<string, number>;
};

export type Tally = { name: string; sites: number };

export type UsageSummary = {
  /** Sites whose latest report arrived on or after this moment (90 days before the summary). */
  since: string;
  sites: number;
  byVersion: Tally[];
  byCountry: Tally[];
  byDistribution: Tally[];
  byPhp: Tally[];
  modules: Tally[];
  encounterForms: Tally[];
  api: { name: string; calls: number; sites: number }[];
};

const UNKNOWN = "unknown";
const MAX_NAMES = 200;
// The most enabled modules, forms and API calls shown.
const TOP = 25;

/** The site's snapshot of a report it sent. */
export function snapshotOf(report: StoredReport): SiteSnapshot {
  const api: Record<string, number> = {};
  for (const record of report.usageRecords) {
    if (record.event_type !== "API") continue;
    const kind = apiKind(record.event_url ?? "");
    if (kind in api || Object.keys(api).length < MAX_NAMES) api[kind] = (api[kind] ?? 0) + record.count;
  }
  return {
    siteId: report.siteId,
    reportingDate: report.reportingDate,
    receivedAt: report.receivedAt,
    version: report.version ?? UNKNOWN,
    country: report.country ?? UNKNOWN,
    distribution: report.distribution ?? UNKNOWN,
    php: report.php ?? UNKNOWN,
    modules: namesIn(report.moduleCounts),
    forms: namesIn(report.enabledEncounterForms),
    api,
  };
}

/** What the board asks of the sites that reported since `since`. */
export function summarize(snapshots: SiteSnapshot[], since: Date): UsageSummary {
  const recent = snapshots.filter((site) => site.receivedAt >= since.toISOString());
  const tally = (names: (site: SiteSnapshot) => string[]) => {
    const counts = new Map<string, number>();
    for (const site of recent) for (const name of new Set(names(site))) counts.set(name, (counts.get(name) ?? 0) + 1);
    return [...counts]
      .map(([name, sites]) => ({ name, sites }))
      .sort((a, b) => b.sites - a.sites || a.name.localeCompare(b.name));
  };
  const calls = new Map<string, { calls: number; sites: number }>();
  for (const site of recent) {
    for (const [name, count] of Object.entries(site.api)) {
      const entry = calls.get(name) ?? { calls: 0, sites: 0 };
      calls.set(name, { calls: entry.calls + count, sites: entry.sites + 1 });
    }
  }
  return {
    since: since.toISOString(),
    sites: recent.length,
    byVersion: tally((site) => [versionBucket(site.version)]),
    byCountry: tally((site) => [site.country]),
    byDistribution: tally((site) => [site.distribution]),
    byPhp: tally((site) => [site.php]),
    modules: tally((site) => site.modules).slice(0, TOP),
    encounterForms: tally((site) => site.forms).slice(0, TOP),
    api: [...calls]
      .map(([name, entry]) => ({ name, ...entry }))
      .sort((a, b) => b.calls - a.calls || a.name.localeCompare(b.name))
      .slice(0, TOP),
  };
}

/** `GET /apis/default/api/patient/12/encounter` -> `GET /apis/default/api/patient/:id/encounter`. */
function apiKind(url: string): string {
  const [method = "", path = ""] = url.trim().split(/\s+/, 2);
  const generic = path
    .split("/")
    .map((segment) => (/^[0-9]+$|^[0-9a-f-]{16,}$/i.test(segment) ? ":id" : segment))
    .join("/");
  return `${method.toUpperCase()} ${generic}`.trim().slice(0, 128) || UNKNOWN;
}

/**
 * The names a site lists as enabled, whatever shape its OpenEMR sends them in: a list of names,
 * a list of records with a name, or an object of name to count or flag (only the non-zero ones).
 */
function namesIn(value: unknown): string[] {
  const names: string[] = [];
  if (Array.isArray(value)) {
    for (const entry of value) {
      if (typeof entry === "string") names.push(entry);
      else if (entry && typeof entry === "object") {
        const record = entry as Record<string, unknown>;
        const name = record.name ?? record.mod_name ?? record.form_name ?? record.directory ?? record.title;
        if (typeof name === "string") names.push(name);
      }
    }
  } else if (value && typeof value === "object") {
    for (const [name, count] of Object.entries(value)) if (count && count !== "0") names.push(name);
  }
  return [...new Set(names.map((name) => name.trim().slice(0, 64)).filter(Boolean))].slice(0, MAX_NAMES);
}
