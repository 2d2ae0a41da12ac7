/**
 * Broadcast email: the message the board writes, rendered once to safe HTML and text, then
 * personalized with an unsubscribe footer and composed as raw MIME for each recipient.
 * @module
 */

export { CONFIRMATION_SUBJECT, confirmationEmail } from "./confirmation-email.ts";
export { InvalidEmailMessageError } from "./errors.ts";
export { confirmUrl, privacyUrl, unsubscribeUrl } from "./links.ts";
export { BroadcastMessage, MAX_CONTENT_BYTES, MAX_TITLE_LENGTH } from "./message.ts";
export { composeRawEmail, type RawEmailOptions } from "./mime.ts";
export { escapeHtml, type PersonalizedEmail, personalize } from "./personalize.ts";
export { type RenderedBroadcast, renderBroadcast } from "./render.ts";
