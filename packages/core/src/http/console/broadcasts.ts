import { html } from "hono/html";
import type { Broadcast } from "../../broadcast/store.ts";
import type { Audience } from "../../registration/audience.ts";
import type { AudienceReach } from "../../registration/store.ts";
import { rolesOf } from "../caller.ts";
import { csrfInput } from "./layout.ts";
import { CONSOLE_PATH } from "./session.ts";
import type { SignedIn } from "./signed-in.ts";

const number = (value: number) => value.toLocaleString("en-US");
const time = (iso: string | undefined) => (iso ? iso.slice(0, 19).replace("T", " ") : "");

/** Where a broadcast's page is. */
export const broadcastPath = (broadcastId: string) => `${CONSOLE_PATH}/broadcasts/${encodeURIComponent(broadcastId)}`;

/** Who a broadcast is for, in words: the audience's versions and distributions, or everyone. */
export function audienceText(audience: Audience | undefined): string {
  const parts = [
    audience?.belowVersion && `below ${audience.belowVersion}`,
    audience?.distributions && `distributions ${audience.distributions.join(", ")}`,
  ].filter(Boolean);
  return parts.length ? parts.join("; ") : "everyone";
}

/** The figures the history and a broadcast's page both show, in this order. */
const FIGURES = [
  ["Recipients", "recipients"],
  ["Sent", "sent"],
  ["Skipped", "skipped"],
  ["Failed", "failed"],
  ["Hard bounces", "hardBounces"],
  ["Complaints", "complaints"],
  ["Unsubscribes", "unsubscribes"],
] as const;

const figure = (label: string, value: number) => html`<div><dt>${label}</dt><dd>${number(value)}</dd></div>`;

/** An audience's reach in words, as a draft and its broadcast record it. */
export const reachFigure = (reach: AudienceReach | undefined) =>
  reach ? `${number(reach.reached)} of ${number(reach.active)} active addresses` : "—";

/** Where the history's page after `cursor` is, or its first page. */
export const historyPath = (cursor?: string) =>
  `${CONSOLE_PATH}/broadcasts${cursor ? `?before=${encodeURIComponent(cursor)}` : ""}`;

/**
 * A page of the broadcasts, newest first, each title a link to its page; "Older" leads to the next
 * page (`older`, a cursor), and "Newest" back to the first from any other.
 */
export function historyBody(broadcasts: Broadcast[], { older, first }: { older?: string; first: boolean }) {
  const newest = first ? "" : html`<a href="${historyPath()}">Newest</a>`;
  const next = older ? html`<a href="${historyPath(older)}">Older</a>` : "";
  const paging = newest || next ? html`<nav aria-label="Pages"><p>${newest} ${next}</p></nav>` : "";
  if (broadcasts.length === 0)
    return html`<p>${first ? "No broadcast has been sent yet." : "No older broadcast."}</p>${paging}`;
  const row = (broadcast: Broadcast) => html`<tr>
<th scope="row"><a href="${broadcastPath(broadcast.broadcastId)}">${broadcast.title}</a></th>
<td>${audienceText(broadcast.audience)}</td><td>${broadcast.status}</td>
${FIGURES.map(([, name]) => html`<td class="n">${number(broadcast[name])}</td>`)}
<td>${time(broadcast.createdAt)}</td></tr>`;
  const headings = ["Title", "Audience", "Status", ...FIGURES.map(([label]) => label), "Created (UTC)"];
  return html`<div class="scroll" tabindex="0" role="region" aria-label="Broadcasts"><table>
<caption>Broadcasts, newest first</caption>
<thead><tr>${headings.map((heading) => html`<th scope="col">${heading}</th>`)}</tr></thead>
<tbody>${broadcasts.map(row)}</tbody></table></div>${paging}`;
}

/** Whether a broadcast is still under way, so its page reloads itself. */
export const inProgress = (broadcast: Broadcast) => broadcast.status === "queued" || broadcast.status === "sending";

/**
 * One broadcast's progress; paused, its reason and the "Resume" form; running or paused, "Stop for
 * good" for a session that may approve; from a draft, its reach at approval and at start.
 */
export function broadcastBody(broadcast: Broadcast, session: SignedIn) {
  const times = [
    ["Created", broadcast.createdAt],
    ["Started", broadcast.startedAt],
    ["Paused", broadcast.pausedAt],
    ["Resumed", broadcast.resumedAt],
    ["Finished", broadcast.finishedAt],
  ].filter(([, at]) => at);
  const paused =
    broadcast.status === "paused"
      ? html`<section aria-labelledby="paused"><h2 id="paused">Paused</h2>
<p class="paused">${broadcast.pausedReason ?? "No reason was recorded"}</p>
<form method="post" action="${broadcastPath(broadcast.broadcastId)}/resume">${csrfInput(session)}
<button type="submit">Resume</button></form></section>`
      : "";
  const stop =
    (inProgress(broadcast) || broadcast.status === "paused") && rolesOf(session.caller).includes("approve")
      ? html`<section aria-labelledby="stop"><h2 id="stop">Stop for good</h2>
<form method="post" action="${broadcastPath(broadcast.broadcastId)}/cancel">${csrfInput(session)}
<p><label><input type="checkbox" name="confirm" value="yes" required> Stop it: the recipients not reached yet never
get it, and nothing resumes it</label></p><button type="submit">Stop for good</button></form></section>`
      : "";
  const reach = broadcast.draftId
    ? html`<p id="reach">From <a href="${CONSOLE_PATH}/drafts/${encodeURIComponent(broadcast.draftId)}">a draft</a>.
Reach at approval: ${reachFigure(broadcast.reachAtApproval)}; at start: ${reachFigure(broadcast.reachAtStart)}.</p>`
    : "";
  const reloads = inProgress(broadcast) ? html`<p>This page reloads itself every 5 seconds until it is done.</p>` : "";
  return html`<p>Status: <strong>${broadcast.status}</strong>. Audience: ${audienceText(broadcast.audience)}.</p>
${reach}${reloads}${paused}
<dl class="counts">${FIGURES.map(([label, name]) => figure(label, broadcast[name]))}</dl>
<ul>${times.map(([label, at]) => html`<li>${label}: ${time(at)} UTC</li>`)}</ul>
${stop}<p><a href="${CONSOLE_PATH}/broadcasts">Every broadcast</a></p>`;
}
