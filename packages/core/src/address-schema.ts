import * as z from "./zod-mini.ts";

const MAX_ADDRESS_LENGTH = 254; // RFC 5321 path limit less the angle brackets
const MAX_LOCAL_PART_LENGTH = 64;

/**
 * An administrator's address as typed into OpenEMR: trimmed, then held to the rules a mail server
 * would enforce, so that nothing undeliverable reaches the list. zod/mini: a registration parses it.
 */
export const EmailAddress = z
  .pipe(
    z
      .string({
        error: (issue) =>
          issue.input === undefined ? "An email address is required" : "The email address must be a string",
      })
      .check(
        z.trim(),
        z.minLength(1, "An email address is required"),
        z.maxLength(MAX_ADDRESS_LENGTH, `An email address has at most ${MAX_ADDRESS_LENGTH} characters`),
        z.refine((value) => value.indexOf("@") === value.lastIndexOf("@"), "An email address has exactly one @"),
        z.refine((value) => value.split("@")[0]!.length <= MAX_LOCAL_PART_LENGTH, "The part before @ is too long"),
      ),
    z.email("Not a valid email address"),
  )
  // The document shows the input side of the pipe, which is a plain string: say what it must be.
  .register(z.globalRegistry, { format: "email" });
