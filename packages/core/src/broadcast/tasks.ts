import * as z from "../zod-mini.ts";

/** A fan-out queue message: one segment of the registration scan, from `cursor` on. */
export const FanoutTask = z.object({
  broadcastId: z.uuid(),
  segment: z.int().check(z.minimum(0)),
  totalSegments: z.int().check(z.minimum(1), z.maximum(64)),
  cursor: z.optional(z.record(z.string(), z.string())),
});
export type FanoutTask = z.infer<typeof FanoutTask>;

/** A send queue message: one recipient of one broadcast. */
export const SendTask = z.object({
  broadcastId: z.uuid(),
  email: z.string().check(z.minLength(3), z.maxLength(254)),
});
export type SendTask = z.infer<typeof SendTask>;
