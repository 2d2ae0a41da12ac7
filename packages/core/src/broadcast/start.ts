import { createHash } from "node:crypto";
import type { WorkQueue } from "../aws/sqs.ts";
import { type Audience, normalizeAudience } from "../registration/audience.ts";
import { BroadcastNotFoundError, BroadcastNotPausedError, IdempotencyKeyReusedError } from "./errors.ts";
import { renderAndPack } from "./rendered-parts.ts";
import type { Broadcast, BroadcastContent, BroadcastOrigin, BroadcastStore } from "./store.ts";
import type { FanoutTask } from "./tasks.ts";

/** Parallel scan segments per broadcast: enough to split a large list, few enough to stay cheap. */
export const FANOUT_SEGMENTS = 4;

export type StartBroadcastDeps = {
  broadcasts: BroadcastStore;
  fanoutQueue: WorkQueue<FanoutTask>;
  now: Date;
};

/** How long a broadcast may stay `queued` before its fan-out is taken for lost and queued again. */
export const STALLED_AFTER_MS = 5 * 60 * 1000;

/**
 * Records a broadcast, then queues one fan-out task per scan segment. When this returns, the
 * broadcast will reach everyone even if nothing else of this request survives. With an
 * `idempotencyKey` used in the last 24 hours for the same content, it starts nothing new and
 * answers that broadcast, queueing its fan-out again if it never left `queued` (the first request
 * may have died between storing and queueing; a fan-out queued twice reaches each recipient once).
 * `audience` (absent: every active address) is part of what the key identifies, and so is
 * `archive: false`, which keeps it out of the public archive.
 * @throws IdempotencyKeyReusedError when the key was used for other content or another audience
 */
export async function startBroadcast(
  { broadcasts, fanoutQueue, now }: StartBroadcastDeps,
  content: BroadcastContent,
  {
    idempotencyKey,
    audience: requested,
    archive,
    origin,
  }: { idempotencyKey?: string; audience?: Audience; archive?: boolean; origin?: BroadcastOrigin } = {},
): Promise<{ broadcastId: string; replayed: boolean }> {
  const audience = normalizeAudience(requested);
  const idempotency =
    idempotencyKey === undefined
      ? undefined
      : { key: idempotencyKey, fingerprint: fingerprintOf(content, audience, archive) };
  const broadcastId = crypto.randomUUID();
  const rendered = await renderAndPack(content);
  const created = await broadcasts.create({
    broadcastId,
    content: { ...content, ...(rendered && { rendered }), ...(archive === false && { archive }) },
    totalSegments: FANOUT_SEGMENTS,
    now,
    idempotency,
    audience,
    archive,
    origin,
  });
  if (created.result === "key-reused")
    throw new IdempotencyKeyReusedError("This Idempotency-Key was used for another broadcast in the last 24 hours");
  if (created.result === "replayed") {
    if ((await broadcasts.target(created.broadcastId))?.status === "queued")
      await queueFanout(fanoutQueue, created.broadcastId, FANOUT_SEGMENTS);
    return { broadcastId: created.broadcastId, replayed: true };
  }
  await queueFanout(fanoutQueue, broadcastId, FANOUT_SEGMENTS);
  return { broadcastId, replayed: false };
}

/**
 * Fans a broadcast out again from the start. Recipients already handled are recognised by their
 * delivery records, so only those not reached yet get an email.
 */
export async function resumeBroadcast(
  fanoutQueue: WorkQueue<FanoutTask>,
  broadcastId: string,
  totalSegments: number,
): Promise<void> {
  await queueFanout(fanoutQueue, broadcastId, totalSegments);
}

/**
 * Resumes a broadcast that paused itself: sets it `sending` again, then fans it out again, which
 * queues everyone it has not reached yet (its senders dropped their messages while it was paused,
 * leaving those recipients pending). If queueing fails it is paused again, so the board can retry.
 * @throws BroadcastNotFoundError, BroadcastNotPausedError
 */
export async function resumePausedBroadcast(
  { broadcasts, fanoutQueue, now }: StartBroadcastDeps,
  broadcastId: string,
): Promise<Broadcast> {
  const resumed = await broadcasts.resume(broadcastId, now);
  if (resumed.result === "not-found") throw new BroadcastNotFoundError("No broadcast has this id");
  if (resumed.result === "not-paused")
    throw new BroadcastNotPausedError(`The broadcast is ${resumed.broadcast.status}, not paused`);
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
export async function resumeUnfinishedBroadcasts(
  broadcasts: BroadcastStore,
  fanoutQueue: WorkQueue<FanoutTask>,
): Promise<string[]> {
  const unfinished = (await broadcasts.unfinished()).filter(({ status }) => status !== "paused");
  for (const { broadcastId, totalSegments } of unfinished)
    await resumeBroadcast(fanoutQueue, broadcastId, totalSegments);
  return unfinished.map(({ broadcastId }) => broadcastId);
}

/**
 * Queues again the fan-out of every broadcast still `queued` after `STALLED_AFTER_MS`: its fan-out
 * message was lost (the request died after storing it, or SQS refused). The scheduled Requeue
 * function runs it every 5 minutes on AWS. Returns the broadcasts queued again.
 */
export async function requeueStalledBroadcasts(
  broadcasts: BroadcastStore,
  fanoutQueue: WorkQueue<FanoutTask>,
  now: Date,
): Promise<string[]> {
  const stalled = (await broadcasts.unfinished()).filter(
    ({ status, createdAt }) => status === "queued" && now.getTime() - Date.parse(createdAt) > STALLED_AFTER_MS,
  );
  for (const { broadcastId, totalSegments } of stalled) await queueFanout(fanoutQueue, broadcastId, totalSegments);
  return stalled.map(({ broadcastId }) => broadcastId);
}

/**
 * What identifies a request's content and audience under its Idempotency-Key. Everyone adds
 * nothing, so a key taken before audiences existed still names its broadcast.
 */
// `archive: false` only when given, so that the keys of broadcasts that did not say stay as they were.
function fingerprintOf({ title, contents, html }: BroadcastContent, audience?: Audience, archive?: boolean): string {
  const unlisted = archive === false ? [{ archive }] : [];
  return createHash("sha256")
    .update(JSON.stringify([title, contents, html ?? null, ...(audience ? [audience] : []), ...unlisted]))
    .digest("base64url");
}

function queueFanout(fanoutQueue: WorkQueue<FanoutTask>, broadcastId: string, totalSegments: number) {
  return fanoutQueue.send(
    Array.from({ length: totalSegments }, (_, segment) => ({ broadcastId, segment, totalSegments })),
  );
}
