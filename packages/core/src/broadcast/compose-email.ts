import {
  announcementUrl,
  composeRawEmail,
  type MailSigner,
  personalize,
  privacyUrl,
  type RenderedBroadcast,
  signingKeyUrl,
  unsubscribeUrl,
} from "../email/index.ts";
import { signToken } from "../tokens/index.ts";

export type BroadcastEmailDeps = {
  /** The From address. */
  from: string;
  /** Base of the footer's links: the API's public URL. */
  publicUrl: string;
  unsubscribeKey: string;
  signer: MailSigner;
};

/**
 * One recipient's broadcast email, as MIME, signed: its unsubscribe and privacy links (tokens for
 * this address and broadcast), the signing key's fingerprint and the archive's link in the footer,
 * the List-Unsubscribe and X-Broadcast-ID headers. The senders and a draft's test send both build
 * their emails here, so that a test is the email recipients get.
 */
export async function composeBroadcastEmail(
  { from, publicUrl, unsubscribeKey, signer }: BroadcastEmailDeps,
  /** `archived`: it has a page in the public archive, which the footer links to. */
  content: RenderedBroadcast & { archived?: boolean },
  { email, address, broadcastId }: { email: string; address: string; broadcastId: string },
): Promise<Buffer> {
  const token = await signToken(unsubscribeKey, { purpose: "unsubscribe", email, broadcastId });
  const link = unsubscribeUrl(publicUrl, token);
  const provenance = {
    fingerprint: await signer.fingerprint(),
    keyUrl: signingKeyUrl(publicUrl),
    // A broadcast kept out of the archive has no page there to point at.
    ...(content.archived && { archiveUrl: announcementUrl(publicUrl, broadcastId) }),
  };
  const message = personalize(content, { unsubscribeUrl: link, privacyUrl: privacyUrl(publicUrl, token), provenance });
  return composeRawEmail({
    ...{ from, to: address, ...message },
    ...{ unsubscribeUrl: link, broadcastId, signer },
  });
}
