import { html } from "hono/html";
import type { ActiveVersions } from "../../registration/store.ts";
import type { Tally, UsageSummary } from "../../usage/summary.ts";
import { type Bar, barChart } from "./charts.ts";

/** The most names a tally's chart shows; the rest are summed as "other". */
const TOP = 15;

/** A tally's largest `TOP` entries, and the rest as one "other" bar. */
function bars(entries: [string, number][]): Bar[] {
  const sorted = entries.sort(([, a], [, b]) => b - a).map(([label, value]) => ({ label, value }));
  const rest = sorted.slice(TOP).reduce((sum, bar) => sum + bar.value, 0);
  return rest ? [...sorted.slice(0, TOP), { label: "other", value: rest }] : sorted;
}

const sites = (tallies: Tally[]) => bars(tallies.map(({ name, sites }) => [name, sites]));

/**
 * Active registrations by OpenEMR version and by distribution: `GET /api/registration/versions`'s
 * scan of the whole list, so it has a page of its own (with the usage summary, whose read grows with
 * the sites), opened on purpose, and the overview stays a read of the counters.
 */
export function versionsBody(versions: ActiveVersions) {
  const chart = (id: string, title: string, tally: Record<string, number>) =>
    barChart({ id, title, rows: bars(Object.entries(tally)), labelHeading: "Name", valueHeading: "Active" });
  const active = versions.active.toLocaleString("en-US");
  return html`<p>${active} active registrations, read from the whole list just now.</p>
${chart("by-version", "By OpenEMR version", versions.byVersion)}
${chart("by-distribution", "By distribution", versions.byDistribution)}`;
}

/** What the sites report (`GET /api/usage/summary`), or a line saying none do yet. */
export function usageBody(summary: UsageSummary) {
  const since = summary.since.slice(0, 10);
  const heading = html`<h2 id="usage">Usage reports</h2>`;
  if (summary.sites === 0)
    return html`<section aria-labelledby="usage">${heading}<p>No site has reported since ${since}.</p></section>`;
  const chart = (id: string, title: string, tallies: Tally[]) =>
    barChart({ id, title, rows: sites(tallies), labelHeading: "Name", valueHeading: "Sites" });
  return html`<section aria-labelledby="usage">${heading}
<p>${summary.sites.toLocaleString("en-US")} sites reported since ${since} (their latest report each).</p>
${chart("usage-version", "Reporting sites by OpenEMR version", summary.byVersion)}
${chart("usage-distribution", "Reporting sites by distribution", summary.byDistribution)}
${chart("usage-country", "Reporting sites by country", summary.byCountry)}
</section>`;
}
