import { z } from "zod";

/** A fan-out queue message: one segment of the registration scan, from `cursor` on. */
export const FanoutTask = z.object({
  broadcastId: z.uuid(),
  segment: z.int().min(0),
  totalSegments: z.int().min(1).max(64),
  cursor: z.record(z.string(), z.string()).optional(),
});
export type FanoutTask = z.infer<typeof FanoutTask>;

/** A send queue message: one recipient of one broadcast. */
export const SendTask = z.object({
  broadcastId: z.uuid(),
  email: z.string().min(3).max(254),
});
export type SendTask = z.infer<typeof SendTask>;
