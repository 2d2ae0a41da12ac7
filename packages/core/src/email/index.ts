/**
 * Broadcast email: the message the board writes, rendered once to safe HTML and text, then
 * personalized with an unsubscribe footer and composed as raw MIME for each recipient, signed as PGP/MIME.
 * @module
 */

export { CONFIRMATION_SUBJECT, confirmationEmail } from "./confirmation-email.ts";
export { InvalidEmailMessageError } from "./errors.ts";
export { announcementUrl, confirmUrl, privacyUrl, signingKeyUrl, unsubscribeUrl } from "./links.ts";
export { BroadcastMessage, MAX_CONTENT_BYTES, MAX_TITLE_LENGTH } from "./message.ts";
export { composeRawEmail, type RawEmailOptions } from "./mime.ts";
export { escapeHtml, type PersonalizedEmail, type Provenance, personalize, provenanceLines } from "./personalize.ts";
export { signMime, UnsignableEmailError } from "./pgp-mime.ts";
export { createPgpSigner, formatFingerprint, type MailSigner } from "./pgp-signer.ts";
// The renderer itself (marked, sanitize-html, html-to-text) is imported from "./render.ts" where it
// runs, so that no handler that only personalizes loads it with this index.
export type { RenderedBroadcast } from "./render.ts";
