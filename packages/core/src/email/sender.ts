/**
 * The bare address the email comes from, for a configured sender (as `fromAddress` reads it: an
 * address, with or without a display name, or a verified domain, which sends as its noreply).
 * Kept apart from the SES mailer so that the API's first load reads it without the SES client.
 */
export function senderAddress(sender: string): string {
  const bracketed = /<([^>]+)>\s*$/.exec(sender)?.[1];
  if (bracketed) return bracketed.trim();
  return sender.includes("@") ? sender.trim() : `noreply@${sender.trim()}`;
}
