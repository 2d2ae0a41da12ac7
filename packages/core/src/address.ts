/** The form under which two spellings of one mailbox compare equal. */
export function normalizeEmail(address: string): string {
  return address.trim().toLowerCase();
}

/** `j***@example.org`: enough to tell addresses apart in a log, not enough to mail one. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf("@");
  if (at < 1) return "***";
  return `${address[0]}***${address.slice(at)}`;
}

/** The text with every address in it masked, for error messages from services that quote them. */
export function redactEmails(text: string): string {
  return text.replace(/[^\s<>"'(),;:]+@[^\s<>"'(),;:]+/g, maskEmail);
}
