import { logger } from "../log.ts";
import type { Broadcast, BroadcastStore } from "./store.ts";

/**
 * A broadcast pauses once its hard bounces pass both of these: SES puts an account under review
 * at a 5% bounce rate (10% is far past it, for a list that is mostly fine), and a handful of bounces
 * in a small broadcast says little.
 */
export const BOUNCE_PAUSE = { minBounces: 10, maxRate: 0.1 } as const;

/**
 * Why a broadcast should pause now, or `undefined`. After a resume only the bounces and sends
 * since then count, so the board's decision to go on is not overruled by the bounces it saw.
 */
export function bouncePauseReason(broadcast: Broadcast): string | undefined {
  const bounces = broadcast.hardBounces - (broadcast.hardBouncesAtResume ?? 0);
  const sent = broadcast.sent - (broadcast.sentAtResume ?? 0);
  if (bounces > BOUNCE_PAUSE.minBounces && bounces > sent * BOUNCE_PAUSE.maxRate) {
    const since = broadcast.resumedAt ? " since it was resumed" : "";
    return (
      `${bounces} hard bounces out of ${sent} emails sent${since}: ` +
      `over ${BOUNCE_PAUSE.minBounces} and over ${BOUNCE_PAUSE.maxRate * 100}%`
    );
  }
  return undefined;
}

/**
 * Pauses a sending broadcast whose hard bounces pass the limits, so that its senders stop before
 * the SES account's bounce rate does harm. Safe to call again: returns whether this call paused it.
 */
export async function pauseIfBouncing(broadcasts: BroadcastStore, broadcastId: string, now: Date): Promise<boolean> {
  // Its counts are read together, from one consistent read of its counters; `sent` and the bounces
  // only grow, so a pause decided on them is decided on the rate at that moment.
  const broadcast = await broadcasts.get(broadcastId);
  if (broadcast?.status !== "sending") return false;
  const reason = bouncePauseReason(broadcast);
  if (!reason || !(await broadcasts.pause(broadcastId, { reason, now }))) return false;
  logger.warn("broadcast paused", { broadcastId, reason });
  return true;
}
