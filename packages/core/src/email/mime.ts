import MailComposer from "nodemailer/lib/mail-composer/index.js";
import type { PersonalizedEmail } from "./personalize.ts";

export type RawEmailOptions = PersonalizedEmail & {
  from: string;
  to: string;
  /** A broadcast's one-click unsubscribe link; a transactional email (a confirmation) has none. */
  unsubscribeUrl?: string;
  /** Travels in `X-Broadcast-ID`, which bounces and complaints carry back, so they can be traced. */
  broadcastId?: string;
};

/**
 * The raw MIME message for SES `SendRawEmail`: text and HTML as multipart/alternative, with the
 * one-click unsubscribe headers of RFC 8058 that mailbox providers require of bulk senders.
 * Message-ID and Date come from the composer. Without `unsubscribeUrl` and `broadcastId`, those
 * headers are left out.
 */
export function composeRawEmail({
  from,
  to,
  subject,
  html,
  text,
  unsubscribeUrl,
  broadcastId,
}: RawEmailOptions): Promise<Buffer> {
  const headers: Record<string, string> = {};
  if (unsubscribeUrl) {
    headers["List-Unsubscribe"] = `<${unsubscribeUrl}>`;
    headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click";
  }
  if (broadcastId) headers["X-Broadcast-ID"] = broadcastId;
  return new MailComposer({ from, to, subject, text, html, headers }).compile().build();
}
