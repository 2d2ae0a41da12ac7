import {
  composeRawEmail,
  confirmationEmail,
  confirmUrl,
  type MailSigner,
  privacyUrl,
  signingKeyUrl,
} from "../email/index.ts";
import type { Mailer } from "../email/ses-mailer.ts";
import { signToken } from "../tokens/index.ts";

/** How long a confirmation link works. */
export const CONFIRMATION_VALID_DAYS = 7;

/** Sends the email whose link confirms a re-registered address. */
export type ConfirmationSender = {
  send(recipient: { email: string; address: string }, now: Date): Promise<void>;
};

export type ConfirmationSenderOptions = {
  mailer: Mailer;
  /** The From header (`fromAddress(sender)`). */
  from: string;
  /** Base of the confirmation link: the API's public URL. */
  publicUrl: string;
  /** The key that signs links; the token's purpose keeps confirm and unsubscribe tokens apart. */
  tokenKey: string;
  /** Signs the email (PGP/MIME), as every email the service sends is signed. */
  signer: MailSigner;
};

/**
 * Confirmation emails through SES, each with a signed `confirm` link valid
 * {@link CONFIRMATION_VALID_DAYS} days, and a link to the owner's page of the address.
 */
export function createConfirmationSender({
  mailer,
  from,
  publicUrl,
  tokenKey,
  signer,
}: ConfirmationSenderOptions): ConfirmationSender {
  return {
    async send({ email, address }, now) {
      const expiresAt = Math.floor(now.getTime() / 1000) + CONFIRMATION_VALID_DAYS * 86_400;
      const token = await signToken(tokenKey, { purpose: "confirm", email, expiresAt });
      // The owner's page takes the unsubscribe links' token, which does not expire, as in a broadcast's footer.
      const yours = await signToken(tokenKey, { purpose: "unsubscribe", email });
      const message = confirmationEmail({
        confirmUrl: confirmUrl(publicUrl, token),
        privacyUrl: privacyUrl(publicUrl, yours),
        validDays: CONFIRMATION_VALID_DAYS,
        provenance: { fingerprint: await signer.fingerprint(), keyUrl: signingKeyUrl(publicUrl) },
      });
      const raw = await composeRawEmail({ from, to: address, ...message, signer });
      await mailer.sendRaw(raw, { purpose: "confirm" });
    },
  };
}
