import { html } from "hono/html";
import type { ActiveVersions } from "../../registration/store.ts";
import type { TalliesSnapshot } from "../../tallies/snapshot.ts";
import type { Tally, UsageSummary } from "../../usage/summary.ts";
import { type Bar, barChart, type Markup } from "./charts.ts";
import { CONSOLE_PATH } from "./session.ts";

/** The most names a tally's chart shows; the rest are summed as "other". */
const TOP = 15;

/** A tally's largest `TOP` entries, and the rest as one "other" bar. */
function bars(entries: [string, number][]): Bar[] {
  const sorted = entries.sort(([, a], [, b]) => b - a).map(([label, value]) => ({ label, value }));
  const rest = sorted.slice(TOP).reduce((sum, bar) => sum + bar.value, 0);
  return rest ? [...sorted.slice(0, TOP), { label: "other", value: rest }] : sorted;
}

const sites = (tallies: Tally[]) => bars(tallies.map(({ name, sites }) => [name, sites]));

/** How long ago, in words: "just now", "12 minutes ago", "3 hours ago". */
function ago(at: string, now: Date): string {
  const minutes = Math.floor((now.getTime() - new Date(at).getTime()) / 60_000);
  if (minutes < 1) return "just now";
  if (minutes < 120) return `${minutes} minute${minutes === 1 ? "" : "s"} ago`;
  return `${Math.floor(minutes / 60)} hours ago`;
}

/**
 * Active registrations by OpenEMR version and by distribution, and what the sites report, as
 * counted at `countedAt` from the whole list (tallies/snapshot.ts); none counted yet, a line saying so.
 */
export function talliesBody(snapshot: TalliesSnapshot | undefined, now: Date) {
  const recount = html`<a href="${CONSOLE_PATH}/versions">Count now</a>`;
  if (!snapshot)
    return html`<section aria-labelledby="by-version-title"><h2 id="by-version-title">By version and distribution</h2>
<p>Not counted yet: the whole list is counted every 15 minutes. ${recount} (reads the whole list).</p></section>`;
  const counted = html`<time datetime="${snapshot.countedAt}">${ago(snapshot.countedAt, now)}</time>`;
  return html`${versionsBody(snapshot.versions, counted, recount)}${usageBody(snapshot.usage)}`;
}

function versionsBody(versions: ActiveVersions, counted: Markup, recount: Markup) {
  const chart = (id: string, title: string, tally: Record<string, number>) =>
    barChart({ id, title, rows: bars(Object.entries(tally)), labelHeading: "Name", valueHeading: "Active" });
  const active = versions.active.toLocaleString("en-US");
  return html`<p>${active} active registrations when the whole list was last counted, ${counted}
(every 15 minutes; ${recount}, which reads the whole list).</p>
${chart("by-version", "Active registrations by OpenEMR version", versions.byVersion)}
${chart("by-distribution", "Active registrations by distribution", versions.byDistribution)}`;
}

/** What the sites report (`GET /api/usage/summary`), or a line saying none do yet. */
function usageBody(summary: UsageSummary) {
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
