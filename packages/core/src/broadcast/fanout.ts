import type { WorkQueue } from "../aws/sqs.ts";
import { createAudienceFilter } from "../registration/audience-filter.ts";
import type { RegistrationStore, ScanEntry } from "../registration/index.ts";
import type { BroadcastStore } from "./store.ts";
import type { FanoutTask, SendTask } from "./tasks.ts";

const PAGE_SIZE = 100;
// Stop paging with this much time left, so the last page and the continuation fit.
const TIME_RESERVE_MS = 15_000;

export type FanoutDeps = {
  broadcasts: BroadcastStore;
  registrations: RegistrationStore;
  sendQueue: WorkQueue<SendTask>;
  fanoutQueue: WorkQueue<FanoutTask>;
  now: () => Date;
};

/**
 * Walks one scan segment page by page: records each page's active addresses in the broadcast's
 * audience as recipients (the ones `/audience` counted: an opted-out address is no recipient, not
 * one skipped) and queues a send for each one still waiting. Near the time limit it queues its own
 * continuation instead of running long. Every step can run twice without sending twice (delivery
 * records decide). An address is in the audience or not by its version and distribution when its
 * page is read; one an earlier run added stays a recipient (`addRecipients`' `others`).
 */
export async function fanOut(deps: FanoutDeps, task: FanoutTask, remainingMs: () => number): Promise<void> {
  const { broadcasts, registrations, sendQueue, fanoutQueue, now } = deps;
  const { broadcastId, segment, totalSegments } = task;
  // One read: a cancelled broadcast fans out no further, and markSending leaves it cancelled.
  const target = await broadcasts.target(broadcastId);
  if (!target || target.status === "cancelled") return;
  await broadcasts.markSending(broadcastId, now());
  const verdict = createAudienceFilter(target.audience);
  let cursor = task.cursor;
  do {
    if (remainingMs() < TIME_RESERVE_MS) {
      await fanoutQueue.send([{ broadcastId, segment, totalSegments, cursor }]);
      return;
    }
    const page = await registrations.scanPage({ segment, totalSegments, cursor, limit: PAGE_SIZE });
    const reached = (entry: ScanEntry) => entry.active && verdict(entry) === "in";
    const inAudience = page.entries.filter(reached).map(({ email }) => email);
    const others = page.entries.filter((entry) => !reached(entry)).map(({ email }) => email);
    const waiting = await broadcasts.addRecipients(
      { broadcastId, createdAt: target.createdAt, now: now() },
      inAudience,
      others,
    );
    await sendQueue.send(waiting.map((email) => ({ broadcastId, email })));
    cursor = page.cursor;
  } while (cursor);
  await broadcasts.completeSegment(broadcastId, segment);
  await broadcasts.finishIfComplete(broadcastId, now());
}
