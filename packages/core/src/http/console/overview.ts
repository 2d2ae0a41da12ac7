import { html } from "hono/html";
import { lastWeeks, type Overview } from "../../registration/counters.ts";
import type { TalliesStore } from "../../tallies/snapshot.ts";
import { columnChart } from "./charts.ts";
import { talliesBody } from "./tallies.ts";

const number = (value: number) => value.toLocaleString("en-US");

/** Weeks of registrations the overview charts. */
export const WEEKS = 52;

/**
 * The overview: the counts, registrations per ISO week, then the tallies of the whole list as last
 * counted. Two reads, the counters' and the tallies' item, whatever the size of the list: no scan.
 */
export async function overviewBody(
  {
    overview: read,
    tallies,
  }: { overview: (weeks: string[]) => Promise<Overview>; tallies: Pick<TalliesStore, "latest"> },
  now: Date,
) {
  const [overview, snapshot] = await Promise.all([read(lastWeeks(now, WEEKS)), tallies.latest()]);
  const counts = [
    ["Registrations", overview.count],
    ["Active", overview.active],
    ["Unsubscribed", overview.unsubscribed],
    ["Bounced", overview.bounced],
    ["Complained", overview.complained],
  ] as const;
  return html`<section aria-labelledby="counts"><h2 id="counts">The list</h2>
<dl class="counts">${counts.map(([name, value]) => html`<div><dt>${name}</dt><dd>${number(value)}</dd></div>`)}</dl>
<p>Registrations: every address ever registered; active: those mailed now. Unsubscribed, bounced and complained
and the weeks count the registrations counted so far: every one, once the counts' backfill has run
(<code>npm run backfill-counters</code>).</p>
</section>
${columnChart({
  id: "per-week",
  title: `Registrations per week, last ${WEEKS} weeks`,
  labelHeading: "ISO week",
  valueHeading: "Registrations",
  rows: overview.perWeek.map(({ week, registrations }) => ({ label: week, value: registrations })),
})}
${talliesBody(snapshot, now)}`;
}
