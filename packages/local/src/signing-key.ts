import { senderAddress } from "@oemr-reg/core/email/sender";
import { generateKey } from "openpgp";

/**
 * A new OpenPGP signing key for `sender` (an address, a name and address, or a domain), armored:
 * Ed25519 in the v4 format every GnuPG since 2.1 reads, with the sender's address as its user ID
 * so that `gpg --locate-keys` and the Web Key Directory find it by that address.
 */
export async function generateSigningKey(sender: string): Promise<string> {
  const name = /^\s*"?([^"<]*?)"?\s*</.exec(sender)?.[1] || "OpenEMR Announcements";
  const { privateKey } = await generateKey({
    type: "ecc",
    curve: "ed25519Legacy",
    userIDs: [{ name, email: senderAddress(sender) }],
    format: "armored",
  });
  return privateKey;
}
