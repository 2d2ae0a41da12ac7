import { html } from "hono/html";
import type { AddressExport } from "../privacy/export.ts";
import { deliveryKey } from "../state/keys.ts";
import type { PageContent } from "./pages.ts";

// The owner's page: what is kept about the address, in the words of its items, and the forms that
// change something. Every change is a POST back to this page's own path, which the CSP allows.
type Item = Record<string, unknown>;
const text = (value: unknown) => (value === undefined || value === null ? "none" : String(value));

function registrationPart({ registration }: AddressExport): PageContent {
  if (!registration) return html`<p>This address is not on the list.</p>`;
  const r = registration;
  const rows: [string, unknown][] = [
    ["Address", r.address],
    ["Status", r.status],
    ["Registered", r.registeredAt],
    ["Product id", r.productId],
    ["Version when registered", r.version],
    ["Latest version reported", r.latestVersion],
    ["Distribution", r.latestDistribution ?? r.distribution],
    ["IP it was registered from", r.sourceIp],
  ];
  return html`<dl>${rows.map(([term, value]) => html`<dt>${term}</dt><dd>${text(value)}</dd>`)}</dl>`;
}

function historyPart({ items }: AddressExport): PageContent {
  const entries = [...items.listChange, ...items.sesEvent]
    .map((item) => ({ at: text(item.at ?? item.occurredAt), what: describe(item) }))
    .sort((a, b) => a.at.localeCompare(b.at));
  if (entries.length === 0) return html`<p>No changes since it was registered.</p>`;
  return html`<ul>${entries.map(({ at, what }) => html`<li>${at}: ${what}</li>`)}</ul>`;
}

function describe(item: Item): string {
  if (item.type === "Reported") return `reported version ${text(item.version)}`;
  if (item.sesMessageId && !item.from) return `email service event: ${text(item.type)}`;
  return `${text(item.type).toLowerCase()}, status ${text(item.to)}`;
}

function emailsPart({ items, broadcasts }: AddressExport): PageContent {
  if (items.delivery.length === 0) return html`<p>No announcement has been sent to this address.</p>`;
  const byKey = (delivery: Item) =>
    broadcasts.find(({ broadcastId }) => deliveryKey(broadcastId, String(delivery.email)).pk === delivery.pk);
  return html`<ul>
    ${items.delivery.map((delivery) => {
      const broadcast = byKey(delivery);
      const when = text(delivery.finishedAt ?? broadcast?.createdAt);
      return html`<li>${text(broadcast?.title)} (${when}): ${text(delivery.status)}</li>`;
    })}
  </ul>`;
}

/** The page's body for an address, its forms posting to `path` (the page's own, with its token). */
export function privacyPageBody(data: AddressExport, path: string): PageContent {
  const active = data.registration?.status === "active";
  const unsubscribe = active
    ? html`<form method="post" action="${path}/unsubscribe">
        <input type="hidden" name="List-Unsubscribe" value="One-Click">
        <button type="submit">Unsubscribe</button>
      </form>`
    : html`<p>No announcements are sent to it.</p>`;
  return html`<p>What the OpenEMR product registration service keeps about <strong>${data.address}</strong>.</p>
    <section aria-labelledby="registration"><h2 id="registration">Registration</h2>${registrationPart(data)}</section>
    <section aria-labelledby="history"><h2 id="history">History</h2>${historyPart(data)}</section>
    <section aria-labelledby="emails"><h2 id="emails">Emails sent to it</h2>${emailsPart(data)}</section>
    <section aria-labelledby="download"><h2 id="download">Download</h2>
      <p><a href="${path}/download" download>Download all of it as JSON</a></p></section>
    <section aria-labelledby="unsubscribe"><h2 id="unsubscribe">Unsubscribe</h2>${unsubscribe}</section>
    <section aria-labelledby="erase"><h2 id="erase">Erase</h2>
      <p>Deletes the registration, its history and the record of the emails sent to it. Only a keyed hash of the
      address stays, so that registering it again waits until you confirm it by email.</p>
      <form method="post" action="${path}/erase">
        <input type="hidden" name="erase" value="yes">
        <button type="submit" class="danger">Erase this address</button>
      </form></section>`;
}
