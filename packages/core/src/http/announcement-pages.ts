import { createHash } from "node:crypto";
import { html, raw } from "hono/html";
import type { Announcement } from "../announcements/archive.ts";
import { formatFingerprint, type PublishedKeys } from "../email/pgp-signer.ts";
import { EMAIL_STYLE_ATTRIBUTES } from "../email/styles.ts";
import { HEAD_META, strictPageHeaders } from "./pages.ts";

const STYLE =
  "body{margin:0;font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#1f2328;line-height:1.5}" +
  "main{max-width:720px;margin:24px auto;padding:0 16px}" +
  "pre{background:#f6f8fa;padding:8px 12px;border-radius:6px;white-space:pre-wrap;overflow-wrap:anywhere;" +
  "font-size:13px}" +
  "article{border-top:1px solid #d1d9e0;padding-top:8px}a{color:#0969da}time{color:#59636e}" +
  "img{max-width:100%;height:auto}table{border-collapse:collapse}" +
  "th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #d1d9e0}td code{overflow-wrap:anywhere}";
const hash = (text: string) => createHash("sha256").update(text).digest("base64");

/**
 * Script-free pages: only this style and the email's own style attributes (by hash) apply; the
 * HTML of an announcement may show https images, as its email does.
 */
export const announcementHeaders = () =>
  strictPageHeaders(hash(STYLE), "no-referrer", EMAIL_STYLE_ATTRIBUTES.map(hash), { imgSrc: ["https:"] });

function layout(title: string, body: ReturnType<typeof html>) {
  return html`<!doctype html>
<html lang="en">
<head>${raw(HEAD_META)}<title>${title}</title><style>${raw(STYLE)}</style>
<link rel="alternate" type="application/atom+xml" title="Atom" href="/announcements/feed.atom">
<link rel="alternate" type="application/feed+json" title="JSON Feed" href="/announcements/feed.json">
</head>
<body><main>${body}</main></body>
</html>`;
}

const date = (iso: string) => html`<time datetime="${iso}">${iso.slice(0, 10)}</time>`;

/** `/announcements`: a page of the archive, newest first, with the key and the feeds. */
export function archivePage(announcements: Announcement[], older: string | undefined) {
  const link = (entry: Announcement) =>
    html`<a href="/announcements/${encodeURIComponent(entry.id)}">${entry.title}</a>`;
  const items = announcements.map((entry) => html`<li>${link(entry)} ${date(entry.publishedAt)}</li>`);
  return layout(
    "OpenEMR announcements",
    html`<h1>OpenEMR announcements</h1>
<p>Every announcement the OpenEMR project sent to registered administrators, signed with OpenPGP:
<a href="/announcements/key.asc">the signing key</a> (<a href="/announcements/keys">its fingerprint and the
retired keys</a>). Feeds: <a href="/announcements/feed.atom">Atom</a>,
<a href="/announcements/feed.json">JSON Feed</a>.</p>
${items.length ? html`<ul>${items}</ul>` : html`<p>Nothing has been announced yet.</p>`}
${older ? html`<p><a href="/announcements?after=${older}">Older announcements</a></p>` : ""}`,
  );
}

/** `/announcements/{id}`: the announcement as sent, its clearsigned text and how to check it. */
export function announcementPage(entry: Announcement & { clearsigned: string }, fingerprint: string) {
  return layout(
    entry.title,
    html`<p><a href="/announcements">All announcements</a></p>
<h1>${entry.title}</h1>
<p>Sent ${date(entry.publishedAt)}.</p>
<article>${raw(entry.html)}</article>
<h2>Check it</h2>
<p>The email was signed (PGP/MIME) with the key <code>${formatFingerprint(fingerprint)}</code>. Below is its text,
clearsigned with the same key. To check it, save it as <code>announcement.asc</code>, then:</p>
<pre>curl -s ${new URL("/announcements/key.asc", entry.url).href} | gpg --import
gpg --verify announcement.asc</pre>
<p>gpg must say <em>Good signature</em> from that fingerprint. An older email may be signed with a
<a href="/announcements/keys">retired key</a>.</p>
<pre>${entry.clearsigned}</pre>`,
  );
}

/** `/announcements/keys`: the key that signs now and every retired one, with their dates. */
export function keysPage({ current, retired }: Pick<PublishedKeys, "current" | "retired">) {
  const rows = retired.map(
    (key) => html`<tr><td><code>${key.fingerprint}</code></td><td>${date(key.createdAt)}</td>
<td>${date(key.replacedAt)}</td></tr>`,
  );
  return layout(
    "OpenEMR announcement keys",
    html`<p><a href="/announcements">All announcements</a></p>
<h1>OpenEMR announcement keys</h1>
<p>Announcements are signed now with the key <code>${current.fingerprint}</code>, made ${date(current.createdAt)}.
<a href="/announcements/key.asc">key.asc</a> holds it and every retired key, so that email signed before a
rotation still verifies.</p>
<h2>Retired keys</h2>
${
  rows.length
    ? html`<p>Each signed until the next key was made.</p>
<table><thead><tr><th scope="col">Fingerprint</th><th scope="col">Made</th><th scope="col">Replaced</th></tr></thead>
<tbody>${rows}</tbody></table>`
    : html`<p>None: this key is the first.</p>`
}`,
  );
}
