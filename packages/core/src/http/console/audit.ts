import { html } from "hono/html";
import type { AuditFilter, AuditPage, AuditRecord, Verification } from "../../audit/index.ts";
import type { Member } from "../../members/index.ts";
import { sideways } from "./layout.ts";
import { CONSOLE_PATH } from "./session.ts";

export const AUDIT_PATH = `${CONSOLE_PATH}/audit`;

/** The filter form as typed: a member's id, an action, and days (`YYYY-MM-DD`, UTC) from and to. */
export type AuditFields = { member: string; action: string; since: string; until: string };

const ACTOR_NAMES = { PIN: "PIN", system: "system", owner: "the address's owner" } as const;
const who = ({ actor }: AuditRecord) => (actor.kind === "member" ? actor.name : ACTOR_NAMES[actor.kind]);
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
/** The object, a member's id in it named: the log keeps the id, which outlives the name. */
const objectText = (object: string | undefined, names: Map<string, string>) =>
  (object ?? "").replace(UUID, (id) => (names.has(id) ? `${names.get(id)} (${id})` : id));
const when = (at: string) => `${at.slice(0, 19).replace("T", " ")} UTC`;

function verification(result: Verification) {
  if (result.ok)
    return html`<p id="chain" role="status">The chain holds: ${result.records} records${
      result.firstSeq ? html`, from #${result.firstSeq}` : ""
    }, each with the hash of its content and of the one before.</p>`;
  return html`<p id="chain" role="alert" class="error">The chain is broken at record #${result.seq}: ${result.reason}.
Someone changed or removed records; <code>npx oemr-reg audit export --json</code> keeps what is left.</p>`;
}

function filterForm(fields: AuditFields, members: Member[]) {
  const options = members
    .toSorted((a, b) => a.name.localeCompare(b.name))
    .map(
      (member) =>
        html`<option value="${member.id}" ${member.id === fields.member ? "selected" : ""}>${member.name}</option>`,
    );
  return html`<form method="get" action="${AUDIT_PATH}" class="filter" aria-label="Filter the log">
<div><label for="audit-member">Member</label>
<p><select id="audit-member" name="member"><option value="">Anyone</option>${options}</select></p></div>
<div><label for="audit-action">Action (as listed)</label>
<p><input id="audit-action" name="action" value="${fields.action}" maxlength="100"
placeholder="token.created"></p></div>
<div><label for="audit-since">From (UTC day)</label>
<p><input id="audit-since" name="since" type="date" value="${fields.since}"></p></div>
<div><label for="audit-until">To (UTC day, included)</label>
<p><input id="audit-until" name="until" type="date" value="${fields.until}"></p></div>
<div><button type="submit">Filter</button> <a href="${AUDIT_PATH}">Clear</a></div></form>`;
}

/** The link to the page after `page`, with the same filter. */
function nextLink(fields: AuditFields, next: number | undefined) {
  if (next === undefined) return "";
  const query = new URLSearchParams(Object.entries(fields).filter(([, value]) => value !== ""));
  query.set("before", String(next));
  return html`<p><a id="next-page" href="${AUDIT_PATH}?${query.toString()}">Next page</a></p>`;
}

/** A page of the log, newest first, under the chain's check (on the first page) and the filter. */
export function auditBody(
  { records, next }: AuditPage,
  fields: AuditFields,
  members: Member[],
  checked: Verification | undefined,
) {
  const names = new Map(members.map(({ id, name }) => [id, name]));
  const rows = records.map(
    (record) => html`<tr><td class="n">${record.seq}</td><td>${when(record.at)}</td><td>${who(record)}</td>
<td>${record.action}</td><td>${objectText(record.object, names)}</td><td>${record.ip ?? ""}</td></tr>`,
  );
  const table = records.length
    ? sideways(
        "Records",
        html`<table id="audit"><caption>Records, newest first</caption><thead><tr><th scope="col">#</th>
<th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Object</th>
<th scope="col">IP</th></tr></thead><tbody>${rows}</tbody></table>`,
      )
    : html`<p id="no-records">No record matches.</p>`;
  return html`${checked ? verification(checked) : ""}
<p>Who did what: every change, every sign-in and its failures, every use of the PIN, every export or erasure of
an address. Addresses are masked and no secret is kept.</p>
${filterForm(fields, members)}${table}${nextLink(fields, next)}`;
}

/** The store's filter of the form's fields: a day `until` includes that day. */
export function auditFilter(fields: AuditFields, before: number | undefined): AuditFilter {
  const dayAfter = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString();
  return {
    ...(fields.member && { member: fields.member }),
    ...(fields.action && { action: fields.action }),
    ...(fields.since && { since: `${fields.since}T00:00:00.000Z` }),
    ...(fields.until && { until: dayAfter(fields.until) }),
    ...(before !== undefined && { before }),
  };
}
