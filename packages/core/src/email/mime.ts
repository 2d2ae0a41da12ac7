import MailComposer from "nodemailer/lib/mail-composer/index.js";
import type { PersonalizedEmail } from "./personalize.ts";
import { signMime } from "./pgp-mime.ts";
import type { MailSigner } from "./pgp-signer.ts";

export type RawEmailOptions = PersonalizedEmail & {
  from: string;
  to: string;
  /** A broadcast's one-click unsubscribe link; a transactional email (a confirmation) has none. */
  unsubscribeUrl?: string;
  /** Travels in `X-Broadcast-ID`, which bounces and complaints carry back, so they can be traced. */
  broadcastId?: string;
  /** Signs the message as PGP/MIME (`signMime`); every email the service sends has one. */
  signer?: MailSigner;
};

const crlf = (value: string) => value.replace(/\r?\n/g, "\r\n");

/**
 * The raw MIME message for SES `SendRawEmail`: text and HTML as multipart/alternative, with the
 * one-click unsubscribe headers of RFC 8058 that mailbox providers require of bulk senders.
 * Message-ID and Date come from the composer. Without `unsubscribeUrl` and `broadcastId`, those
 * headers are left out. Both parts are quoted-printable with CRLF line ends, the form a signature
 * survives relays in: no 8-bit byte, no trailing space, no long line.
 */
export async function composeRawEmail({
  from,
  to,
  subject,
  html,
  text,
  unsubscribeUrl,
  broadcastId,
  signer,
}: RawEmailOptions): Promise<Buffer> {
  const headers: Record<string, string> = {};
  if (unsubscribeUrl) {
    headers["List-Unsubscribe"] = `<${unsubscribeUrl}>`;
    headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click";
  }
  if (broadcastId) headers["X-Broadcast-ID"] = broadcastId;
  const composer = new MailComposer({
    ...{ from, to, subject, headers },
    text: crlf(text),
    html: crlf(html),
    textEncoding: "quoted-printable",
  });
  const raw = await composer.compile().build();
  return signer ? signMime(raw, signer) : raw;
}
