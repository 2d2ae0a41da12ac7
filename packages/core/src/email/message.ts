import { z } from "zod";

export const MAX_TITLE_LENGTH = 200;
export const MAX_CONTENT_BYTES = 200 * 1024;

// Bytes, not characters: the limit exists to bound the size of the mail that goes out.
const withinContentLimit = (value: string) => Buffer.byteLength(value, "utf8") <= MAX_CONTENT_BYTES;
const TOO_LARGE = `At most ${MAX_CONTENT_BYTES / 1024} KiB`;

/**
 * A broadcast as the board writes it. `contents` is Markdown (plain text is valid Markdown);
 * `html`, when given, is the HTML part instead, and the text part is derived from it.
 */
export const BroadcastMessage = z.object({
  title: z
    .string({ error: "A title is required" })
    .trim()
    .min(1, "A title is required")
    .max(MAX_TITLE_LENGTH, `A title has at most ${MAX_TITLE_LENGTH} characters`),
  contents: z
    .string({ error: "The contents are required" })
    .min(1, { message: "The contents are required", abort: true })
    .refine((value) => value.trim().length > 0, "The contents are required")
    .refine(withinContentLimit, TOO_LARGE),
  html: z.string({ error: "The HTML must be a string" }).refine(withinContentLimit, TOO_LARGE).optional(),
});
export type BroadcastMessage = z.infer<typeof BroadcastMessage>;
