import { escapeHtml, type PersonalizedEmail, type Provenance, provenanceLines } from "./personalize.ts";

export const CONFIRMATION_SUBJECT = "Confirm your OpenEMR announcements address";

/**
 * The email that asks the owner of an opted-out address to confirm a new registration of it:
 * until the link is followed, the address gets no announcements, so a stranger cannot undo an
 * opt-out by registering someone else's address.
 */
export function confirmationEmail({
  confirmUrl,
  privacyUrl,
  validDays,
  provenance,
}: {
  confirmUrl: string;
  /** The owner's page of the address (what is kept, the download, erase), as in every broadcast's footer. */
  privacyUrl: string;
  validDays: number;
  provenance?: Provenance;
}): PersonalizedEmail {
  const checks = provenance ? provenanceLines(provenance) : [];
  const intro =
    "This address was registered again in an OpenEMR installation to get security and release " +
    "announcements from the OpenEMR project. It had stopped getting them, so they start again only " +
    "when you confirm.";
  const ignore =
    "If you did not register it, ignore this email: nothing changes. " + `The link works for ${validDays} days.`;
  const yours = "What is kept about this address, to download or erase: ";
  const url = escapeHtml(confirmUrl);
  const html =
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(CONFIRMATION_SUBJECT)}</title></head>` +
    `<body style="font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#1f2328;line-height:1.5;">` +
    `<p>${escapeHtml(intro)}</p><p><a href="${url}">Confirm this address</a></p>` +
    [ignore, ...checks].map((line) => `<p style="font-size:13px;color:#59636e;">${escapeHtml(line)}</p>`).join("") +
    `<p style="font-size:13px;color:#59636e;">${escapeHtml(yours)}` +
    `<a href="${escapeHtml(privacyUrl)}">Your data</a></p></body></html>`;
  const text = [
    `${intro}\n\nConfirm this address: ${confirmUrl}\n`,
    ignore,
    ...checks,
    `Your data: ${privacyUrl}`,
    "",
  ].join("\n");
  return { subject: CONFIRMATION_SUBJECT, html, text };
}
