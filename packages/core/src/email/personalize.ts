import { INLINE_STYLES, type RenderedBroadcast } from "./render.ts";

export type PersonalizedEmail = { subject: string; html: string; text: string };

const REASON =
  "You receive this email because this address was registered in an OpenEMR installation " +
  "to get security and release announcements from the OpenEMR project.";

const BODY_STYLE =
  "max-width:640px;margin:0 auto;padding:24px 16px;color:#1f2328;font-size:16px;line-height:1.5;" +
  "font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;";
const FOOTER_STYLE = "margin:0;font-size:13px;color:#59636e;";
const PAGE_STYLE = "margin:0;padding:0;background:#ffffff;";
const RULE_STYLE = "border:0;border-top:1px solid #d1d9e0;margin:32px 0 16px;";
const LINK_STYLE = "color:#59636e;";

/**
 * Every `style` attribute a broadcast's HTML part can carry: ours alone, for the console's preview,
 * whose CSP allows exactly these (`'unsafe-hashes'`).
 */
export const EMAIL_STYLE_ATTRIBUTES = [
  ...new Set([...Object.values(INLINE_STYLES), BODY_STYLE, FOOTER_STYLE, PAGE_STYLE, RULE_STYLE, LINK_STYLE]),
];

/**
 * One recipient's email: the rendered broadcast with a footer that says why it came and links to
 * `unsubscribeUrl`, the HTML part wrapped in a self-contained document. Only concatenates, so it
 * is cheap enough to call for every recipient.
 */
export function personalize(
  rendered: RenderedBroadcast,
  { unsubscribeUrl }: { unsubscribeUrl: string },
): PersonalizedEmail {
  const url = escapeHtml(unsubscribeUrl);
  const html =
    `<!doctype html><html><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(rendered.subject)}</title></head>` +
    `<body style="${PAGE_STYLE}"><div style="${BODY_STYLE}">` +
    rendered.html +
    `<hr style="${RULE_STYLE}">` +
    `<p style="${FOOTER_STYLE}">${escapeHtml(REASON)} <a href="${url}" style="${LINK_STYLE}">Unsubscribe</a></p>` +
    `</div></body></html>`;
  // "-- " on a line of its own is the signature delimiter: clients show what follows as a footer.
  const text = `${rendered.text}\n\n-- \n${REASON}\nUnsubscribe: ${unsubscribeUrl}\n`;
  return { subject: rendered.subject, html, text };
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text made safe to place in HTML, in an element or a quoted attribute. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!);
}
