import { z } from "zod";

const MAX_ADDRESS_LENGTH = 254; // RFC 5321 path limit less the angle brackets
const MAX_LOCAL_PART_LENGTH = 64;

/**
 * An administrator's address as typed into OpenEMR: trimmed, then held to the rules a mail server
 * would enforce, so that nothing undeliverable reaches the list.
 */
export const EmailAddress = z
  .string({
    error: (issue) =>
      issue.input === undefined ? "An email address is required" : "The email address must be a string",
  })
  .trim()
  .min(1, "An email address is required")
  .max(MAX_ADDRESS_LENGTH, `An email address has at most ${MAX_ADDRESS_LENGTH} characters`)
  .refine((value) => value.indexOf("@") === value.lastIndexOf("@"), "An email address has exactly one @")
  .refine((value) => value.split("@")[0]!.length <= MAX_LOCAL_PART_LENGTH, "The part before @ is too long")
  .pipe(z.email("Not a valid email address"))
  // The document shows the input side of the pipe, which is a plain string: say what it must be.
  .meta({ format: "email" });

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
