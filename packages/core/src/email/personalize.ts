import type { RenderedBroadcast } from "./render.ts";
import { BODY_STYLE, FOOTER_STYLE, LINK_STYLE, PAGE_STYLE, RULE_STYLE } from "./styles.ts";

export type PersonalizedEmail = { subject: string; html: string; text: string };

const REASON =
  "You receive this email because this address was registered in an OpenEMR installation " +
  "to get security and release announcements from the OpenEMR project.";

/** How a recipient checks the email: the key that signs it and the announcement's public copy. */
export type Provenance = {
  /** The signing key's fingerprint, grouped (`formatFingerprint`). */
  fingerprint: string;
  /** Where the key is published: `/announcements/key.asc`. */
  keyUrl: string;
  /** The announcement's page in the public archive; none for a broadcast kept out of it. */
  archiveUrl?: string;
};

/** The footer lines on provenance, as text; the HTML footer says the same. */
export function provenanceLines({ fingerprint, keyUrl, archiveUrl }: Provenance): string[] {
  return [
    `Signed with OpenPGP (PGP/MIME) by the key ${fingerprint}, published at ${keyUrl}.`,
    ...(archiveUrl ? [`This announcement in the public archive: ${archiveUrl}`] : []),
  ];
}

/**
 * One recipient's email: the rendered broadcast with a footer that says why it came, how to check
 * it (`provenance`) and links to `unsubscribeUrl` and to `privacyUrl` (the owner's page: what is
 * kept, the download, erase), the HTML part wrapped in a self-contained document. Only
 * concatenates, so it is cheap enough to call for every recipient.
 */
export function personalize(
  rendered: RenderedBroadcast,
  { unsubscribeUrl, privacyUrl, provenance }: { unsubscribeUrl: string; privacyUrl: string; provenance?: Provenance },
): PersonalizedEmail {
  const url = escapeHtml(unsubscribeUrl);
  const yours = `<a href="${escapeHtml(privacyUrl)}" style="${LINK_STYLE}">Your data</a>`;
  const checks = provenance ? provenanceLines(provenance) : [];
  const html =
    `<!doctype html><html><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(rendered.subject)}</title></head>` +
    `<body style="${PAGE_STYLE}"><div style="${BODY_STYLE}">` +
    rendered.html +
    `<hr style="${RULE_STYLE}">` +
    `<p style="${FOOTER_STYLE}">${escapeHtml(REASON)} <a href="${url}" style="${LINK_STYLE}">Unsubscribe</a> · ` +
    `${yours}</p>` +
    checks.map((line) => `<p style="${FOOTER_STYLE}">${escapeHtml(line)}</p>`).join("") +
    `</div></body></html>`;
  // "-- " on a line of its own is the signature delimiter: clients show what follows as a footer.
  const text = [
    `${rendered.text}\n\n-- `,
    REASON,
    `Unsubscribe: ${unsubscribeUrl}`,
    `Your data: ${privacyUrl}`,
    ...checks,
    "",
  ].join("\n");
  return { subject: rendered.subject, html, text };
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text made safe to place in HTML, in an element or a quoted attribute. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!);
}
