import type { WorkQueue } from "../aws/sqs.ts";
import { BroadcastNotFoundError, BroadcastNotPausedError } from "./errors.ts";
import type { Broadcast, BroadcastContent, BroadcastStore } from "./store.ts";
import type { FanoutTask } from "./tasks.ts";

/** Parallel scan segments per broadcast: enough to split a large list, few enough to stay cheap. */
export const FANOUT_SEGMENTS = 4;

export type StartBroadcastDeps = {
  broadcasts: BroadcastStore;
  fanoutQueue: WorkQueue<FanoutTask>;
  now: Date;
};

/**
 * Records a broadcast, then queues one fan-out task per scan segment. When this returns, the
 * broadcast will reach everyone even if nothing else of this request survives.
 */
export async function startBroadcast({ broadcasts, fanoutQueue, now }: StartBroadcastDeps, content: BroadcastContent): Promise<string> {
  const broadcastId = crypto.randomUUID();
  await broadcasts.create({ broadcastId, content, totalSegments: FANOUT_SEGMENTS, now });
  await queueFanout(fanoutQueue, broadcastId, FANOUT_SEGMENTS);
  return broadcastId;
}

/**
 * Fans a broadcast out again from the start. Recipients already handled are recognised by their
 * delivery records, so only those not reached yet get an email.
 */
export async function resumeBroadcast(fanoutQueue: WorkQueue<FanoutTask>, broadcastId: string, totalSegments: number): Promise<void> {
  await queueFanout(fanoutQueue, broadcastId, totalSegments);
}

/**
 * Resumes a broadcast that paused itself: sets it `sending` again, then fans it out again, which
 * queues everyone it has not reached yet (its senders dropped their messages while it was paused,
 * leaving those recipients pending). If queueing fails it is paused again, so the board can retry.
 * @throws BroadcastNotFoundError, BroadcastNotPausedError
 */
export async function resumePausedBroadcast({ broadcasts, fanoutQueue, now }: StartBroadcastDeps, broadcastId: string): Promise<Broadcast> {
  const resumed = await broadcasts.resume(broadcastId, now);
  if (resumed.result === "not-found") throw new BroadcastNotFoundError("No broadcast has this id");
  if (resumed.result === "not-paused") throw new BroadcastNotPausedError(`The broadcast is ${resumed.broadcast.status}, not paused`);
  const { broadcast } = resumed;
  try {
    await resumeBroadcast(fanoutQueue, broadcastId, broadcast.totalSegments);
  } catch (error) {
    await broadcasts.pause(broadcastId, { reason: broadcast.pausedReason ?? "resume failed", now });
    throw error;
  }
  return broadcast;
}

/**
 * Fans out again every broadcast that is sending or queued. The local runner calls this on start,
 * because its queues live in memory and lose whatever was queued when it stopped. A paused
 * broadcast stays paused: only the board resumes it.
 */
export async function resumeUnfinishedBroadcasts(broadcasts: BroadcastStore, fanoutQueue: WorkQueue<FanoutTask>): Promise<string[]> {
  const unfinished = (await broadcasts.unfinished()).filter(({ status }) => status !== "paused");
  for (const { broadcastId, totalSegments } of unfinished) await resumeBroadcast(fanoutQueue, broadcastId, totalSegments);
  return unfinished.map(({ broadcastId }) => broadcastId);
}

function queueFanout(fanoutQueue: WorkQueue<FanoutTask>, broadcastId: string, totalSegments: number) {
  return fanoutQueue.send(Array.from({ length: totalSegments }, (_, segment) => ({ broadcastId, segment, totalSegments })));
}
