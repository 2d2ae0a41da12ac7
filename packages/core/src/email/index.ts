/**
 * Broadcast email: the message the board writes, rendered once to safe HTML and text, then
 * personalized with an unsubscribe footer and composed as raw MIME for each recipient.
 * @module
 */
export { InvalidEmailMessageError } from "./errors.ts";
export { BroadcastMessage, MAX_CONTENT_BYTES, MAX_TITLE_LENGTH } from "./message.ts";
export { renderBroadcast, type RenderedBroadcast } from "./render.ts";
