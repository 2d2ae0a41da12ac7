import type { MailSigner, RenderedBroadcast } from "../email/index.ts";
import { type Mailer, PermanentSendError, RetryableSendError } from "../email/ses-mailer.ts";
import { logger } from "../log.ts";
import { maskEmail, type RegistrationStore } from "../registration/index.ts";
import { composeBroadcastEmail } from "./compose-email.ts";
import { groupCommit } from "./group-commit.ts";
import { unpackRendered } from "./rendered-parts.ts";
import {
  type BroadcastStore,
  type Claim,
  type DeliveryOutcome,
  SETTLEMENTS_PER_WRITE,
  type Settlement,
} from "./store.ts";
import type { SendTask } from "./tasks.ts";

export type SenderDeps = {
  broadcasts: BroadcastStore;
  registrations: RegistrationStore;
  mailer: Mailer;
  /** The From address, e.g. a noreply address of the verified domain. */
  from: string;
  /** Base of unsubscribe links: the API's public URL. */
  publicUrl: string;
  unsubscribeKey: string;
  /** Signs each recipient's email (PGP/MIME); its fingerprint is in the footer. */
  signer: MailSigner;
};

export type DeliveryWindow = {
  /** The moment this send may start, reserved from the shared pacer; asked only when needed. */
  sendTime: () => Promise<Date>;
  /** When this invocation ends: a lease lasts past it, and no send may start too close to it. */
  deadline: number;
};

/** A claim outlives its invocation by this much, so only a crashed worker's claim is taken over. */
const LEASE_MARGIN_MS = 10_000;
/** A send slot later than this before the deadline is given back rather than risked. */
const SEND_MARGIN_MS = 5_000;
/** How long a broadcast's status is trusted: a pause stops its senders within about this long. */
const STATUS_TTL_MS = 1_000;

export class DeliveryBusyError extends Error {
  override name = "DeliveryBusyError";
}

export class UnknownDeliveryError extends Error {
  override name = "UnknownDeliveryError";
}

/**
 * Sends broadcast emails, each to one recipient at most once: the recipient's delivery record is
 * leased before sending and settled after, so a redelivered message, a retried batch or a re-run
 * fan-out finds it settled and sends nothing. Only a crash between SES accepting the message and
 * the record being settled can lead to a second copy, once the lease has run out.
 *
 * The per-email DynamoDB work is shared: a batch's records are claimed in one transaction while
 * its registrations are read in one request, and settles that complete close together are
 * written in one transaction (`groupCommit`), which moves the broadcast's counters once. That
 * transaction is the window above: an email waits at most for the settle in flight and then its
 * own, two transactions' time.
 *
 * A paused broadcast's messages are dropped without sending, and their recipients' records left
 * (or put back) `pending`: nothing is lost, because resuming fans the broadcast out again and that
 * queues every recipient still pending. Keeping the messages instead would cycle them through the
 * queue with backoff for as long as the board takes, and into the DLQ after ten receives.
 * @returns `send`, called once per task: the tasks sent within one turn of the event loop (one
 * invocation's batch) are sent together. Its promise rejects (RetryableSendError,
 * DeliveryBusyError, ...) to have the task's message retried later.
 * @example
 * await Promise.allSettled(tasks.map((task) => sender.send(task, { sendTime, deadline })));
 */
export function createSender(deps: SenderDeps) {
  const { broadcasts, registrations, mailer, from, publicUrl, unsubscribeKey, signer } = deps;
  // Rendering is per broadcast, not per recipient; a warm Lambda keeps it across batches.
  const rendered = new Map<string, Promise<RenderedBroadcast & { archived: boolean }>>();

  function renderedFor(broadcastId: string): Promise<RenderedBroadcast & { archived: boolean }> {
    let entry = rendered.get(broadcastId);
    if (!entry) {
      entry = broadcasts.content(broadcastId).then(async (content) => {
        if (!content) throw new UnknownDeliveryError(`Broadcast ${broadcastId} has no content`);
        const archived = content.archive !== false;
        if (content.rendered) return { ...unpackRendered(content.rendered), archived };
        // Started before its parts were kept with it: rendered here, once per broadcast.
        const { renderBroadcast } = await import("../email/render.ts");
        return { ...renderBroadcast(content), archived };
      });
      entry.catch(() => rendered.delete(broadcastId));
      rendered.set(broadcastId, entry);
    }
    return entry;
  }

  // Only "not paused" is cached: a message queued by a resume must never be dropped on a stale
  // "paused", while a pause may take up to STATUS_TTL_MS to reach a sender.
  const sendingSince = new Map<string, number>();
  // A batch's emails ask together after their wait for a send slot: they share the read in flight
  // when it says "not paused"; "paused" each reads for itself, as that read began before it asked.
  const statusReads = new Map<string, Promise<boolean>>();
  async function isPaused(broadcastId: string): Promise<boolean> {
    const readAt = sendingSince.get(broadcastId);
    if (readAt !== undefined && Date.now() - readAt < STATUS_TTL_MS) return false;
    const inFlight = statusReads.get(broadcastId);
    if (inFlight) return (await inFlight) && readPaused(broadcastId);
    const reading = readPaused(broadcastId).finally(() => statusReads.delete(broadcastId));
    statusReads.set(broadcastId, reading);
    return reading;
  }
  async function readPaused(broadcastId: string): Promise<boolean> {
    const now = Date.now();
    // A cancelled broadcast's messages are dropped for good, as a paused one's are until it resumes.
    const status = (await broadcasts.target(broadcastId))?.status;
    const paused = status === "paused" || status === "cancelled";
    if (paused) sendingSince.delete(broadcastId);
    else sendingSince.set(broadcastId, now);
    return paused;
  }

  const commitSettle = groupCommit(
    (settlements: Settlement[]) => broadcasts.completeDeliveries(settlements, new Date()),
    {
      maxItems: SETTLEMENTS_PER_WRITE,
    },
  );

  /**
   * Each task's claim, made together, or `paused`. `undefined` when claiming together failed: each
   * then claims alone, so a record that cannot be claimed fails alone.
   */
  async function claimTogether(tasks: SendTask[], leaseUntil: Date): Promise<(Claim | "paused" | undefined)[]> {
    const paused = new Set<string>();
    for (const broadcastId of new Set(tasks.map((task) => task.broadcastId)))
      if (await isPaused(broadcastId)) paused.add(broadcastId);
    const live = tasks.filter((task) => !paused.has(task.broadcastId));
    const claims = await broadcasts.claimDeliveries(live, leaseUntil, new Date()).catch(() => []);
    let next = 0;
    return tasks.map((task) => (paused.has(task.broadcastId) ? "paused" : claims[next++]));
  }

  function sendBatch(tasks: SendTask[], { sendTime, deadline }: DeliveryWindow): Promise<void>[] {
    const leaseUntil = new Date(deadline + LEASE_MARGIN_MS);
    const claims = claimTogether(tasks, leaseUntil);
    // Read while the records are claimed, and used only by those claimed.
    const registrationsRead = registrations.getMany(tasks.map((task) => task.email));
    registrationsRead.catch(() => {}); // a batch whose claims all fail never awaits it

    return tasks.map(async ({ broadcastId, email }, index) => {
      const together = (await claims)[index];
      if (together === "paused") return;
      const claim = together ?? (await broadcasts.claimDelivery(broadcastId, email, leaseUntil, new Date()));
      if (claim === "finished") return;
      if (claim === "expired") {
        logger.warn("delivery past its broadcast's send window", { broadcastId, email: maskEmail(email) });
        return;
      }
      if (claim === "busy") throw new DeliveryBusyError(`Another sender holds ${maskEmail(email)}`);
      if (claim === "unknown")
        throw new UnknownDeliveryError(`No delivery record for ${maskEmail(email)} in ${broadcastId}`);

      const settle = (outcome: DeliveryOutcome) => commitSettle({ broadcastId, email, outcome });
      let sesMessageId: string;
      try {
        const registration = (await registrationsRead).get(email);
        if (registration?.status !== "active") {
          return await settle({ status: "skipped", reason: registration ? registration.status : "not registered" });
        }
        const content = await renderedFor(broadcastId);
        const raw = await composeBroadcastEmail({ from, publicUrl, unsubscribeKey, signer }, content, {
          ...{ email, address: registration.address, broadcastId },
        });
        const at = (await sendTime()).getTime();
        if (at > deadline - SEND_MARGIN_MS) throw new RetryableSendError("No send slot left in this invocation");
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
        // The wait for a send slot can be long: a pause that came meanwhile still stops this email.
        if (await isPaused(broadcastId)) {
          await broadcasts.releaseDelivery(broadcastId, email);
          return;
        }
        sesMessageId = await mailer.sendRaw(raw, { broadcastId });
      } catch (error) {
        if (error instanceof PermanentSendError) {
          logger.warn("send refused", { broadcastId, email: maskEmail(email), reason: error.message });
          return settle({ status: "failed", reason: error.message });
        }
        await broadcasts.releaseDelivery(broadcastId, email);
        throw error;
      }
      // Sent: from here on the lease is never released, only settled or left to expire.
      await settle({ status: "sent", sesMessageId });
    });
  }

  // Tasks wait here until the current turn of the event loop ends, then go out as one batch per window.
  type Waiting = { task: SendTask; window: DeliveryWindow; resolve: () => void; reject: (error: unknown) => void };
  let waiting: Waiting[] = [];
  function sendWaiting() {
    const batch = waiting;
    waiting = [];
    for (const window of new Set(batch.map((entry) => entry.window))) {
      const entries = batch.filter((entry) => entry.window === window);
      const outcomes = sendBatch(
        entries.map((entry) => entry.task),
        window,
      );
      for (const [index, outcome] of outcomes.entries()) outcome.then(entries[index]!.resolve, entries[index]!.reject);
    }
  }

  return {
    send(task: SendTask, window: DeliveryWindow): Promise<void> {
      if (waiting.length === 0) setImmediate(sendWaiting);
      return new Promise((resolve, reject) => waiting.push({ task, window, resolve, reject }));
    },
  };
}
