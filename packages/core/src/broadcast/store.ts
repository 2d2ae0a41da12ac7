import { Audience } from "../registration/audience.ts";
import * as z from "../zod-mini.ts";
import type { ListCursor, ListPageRequest } from "./list-page.ts";

/**
 * `paused`: stopped by too many hard bounces; the board resumes it, or leaves it. `cancelled`:
 * stopped for good by the board; its senders drop what remains.
 */
export const BroadcastStatus = z.enum(["queued", "sending", "paused", "done", "cancelled"]);
export type BroadcastStatus = z.infer<typeof BroadcastStatus>;

const Reach = z.object({ active: z.int(), reached: z.int(), unknownVersion: z.int() });
/** Where a broadcast started from an approved draft came from, kept on its item. */
export type BroadcastOrigin = {
  draftId: string;
  reachAtApproval?: z.infer<typeof Reach>;
  reachAtStart: z.infer<typeof Reach>;
};

/**
 * A broadcast and its progress: what the store keeps and what the API answers, one schema for both.
 * zod/mini: the fan-out and the senders read broadcasts; the document describes its classic twin.
 */
export const Broadcast = z.object({
  broadcastId: z.string(),
  title: z.string(),
  status: BroadcastStatus,
  totalSegments: z.int(),
  recipients: z.described(z.int(), "Recipients found so far; final once the fan-out is done"),
  sent: z.int(),
  skipped: z.described(z.int(), "Not active when their turn came"),
  failed: z.described(z.int(), "Refused by SES for good"),
  hardBounces: z.described(z.int(), "Permanent bounces SES reported for its emails, each recipient counted once"),
  complaints: z.described(z.int(), "Complaints SES reported for its emails, each recipient counted once"),
  unsubscribes: z.described(
    z.int(),
    "Active addresses its emails' unsubscribe links took off the list, each counted once",
  ),
  createdAt: z.string(),
  startedAt: z.optional(z.string()),
  finishedAt: z.optional(z.string()),
  pausedReason: z.described(z.optional(z.string()), "Why it paused itself; kept after a resume"),
  pausedAt: z.optional(z.string()),
  resumedAt: z.optional(z.string()),
  hardBouncesAtResume: z.described(
    z.optional(z.int()),
    "`hardBounces` when last resumed: only what follows counts towards pausing again",
  ),
  sentAtResume: z.optional(z.int()),
  audience: z.described(z.optional(Audience), "Who it is for; absent, every active address"),
  archive: z.described(z.optional(z.boolean()), "`false`: kept out of the public archive and its feeds"),
  cancelledAt: z.optional(z.string()),
  draftId: z.described(z.optional(z.string()), "The approved draft it started from"),
  reachAtApproval: z.described(z.optional(Reach), "The audience's reach when approval was asked"),
  reachAtStart: z.described(z.optional(Reach), "The audience's reach when it started"),
});
export type Broadcast = z.infer<typeof Broadcast>;

export type BroadcastContent = { title: string; contents: string; html?: string };
/** The content as stored: with its rendered parts, packed (rendered-parts.ts), when they fit. */
/** `archive: false` is kept with the content too: the senders read it, to leave the archive link out. */
export type StoredBroadcastContent = BroadcastContent & { rendered?: Uint8Array; archive?: false };

export type DeliveryOutcome =
  | { status: "sent"; sesMessageId: string }
  | { status: "skipped"; reason: string }
  | { status: "failed"; reason: string };

/** One recipient's delivery record. */
export type DeliveryRef = { broadcastId: string; email: string };

/** One recipient's delivery, with what became of it. */
export type Settlement = DeliveryRef & { outcome: DeliveryOutcome };

/** What a claim on one recipient's delivery found. */
export type Claim =
  /** The caller holds the lease and must send, then complete or release. */
  | "claimed"
  /** Sent, skipped or failed already: nothing to do. */
  | "finished"
  /** Another worker holds a live lease: try again later. */
  | "busy"
  /** No delivery record: the message was not made by a fan-out. */
  | "unknown"
  /** Not settled within its broadcast's send window (state/expiry.ts): never to be sent. */
  | "expired";

/** Broadcasts and their per-recipient delivery records. */
/**
 * A client's key for one broadcast request, kept 24 hours: a retry with the same key is the same
 * broadcast. `fingerprint` identifies the request's content, so a different one under the key is told apart.
 */
export type IdempotencyClaim = { key: string; fingerprint: string };

export type CreateResult =
  | { result: "created" }
  /** The key was used within 24 hours for the same content: that broadcast. */
  | { result: "replayed"; broadcastId: string }
  /** The key was used within 24 hours for other content. */
  | { result: "key-reused" };

/**
 * Settlements written together at most: one DynamoDB transaction holds 100 items, and settling one
 * takes up to three (its record, a sent one's SES message id, a counter shard of its broadcast).
 */
export const SETTLEMENTS_PER_WRITE = 33;

/** One recipient's delivery record for each broadcast: who gets it, and what became of each email. */
export type DeliveryStore = {
  /**
   * Records these addresses as recipients, once each however often a page is fanned out, and
   * returns those still waiting for their email: the ones to enqueue. `others` (a page's addresses
   * outside the audience now) are never added, but returned too if they are recipients still
   * waiting: an earlier fan-out added them before their version changed, and they must not stay
   * pending for ever. Each new record expires `deliveryDays` and SEND_WINDOW_MARGIN_DAYS after the
   * broadcast's creation unless settled; past `deliveryDays` nothing is added (state/expiry.ts).
   */
  addRecipients(
    broadcast: { broadcastId: string; createdAt: string; now: Date },
    emails: string[],
    others?: string[],
  ): Promise<string[]>;
  claimDelivery(broadcastId: string, email: string, leaseUntil: Date, now: Date): Promise<Claim>;
  /**
   * Claims several deliveries, in one transaction when none is refused, and returns each one's
   * claim in their order. A recipient named twice is claimed once, and `busy` the second time.
   */
  claimDeliveries(deliveries: DeliveryRef[], leaseUntil: Date, now: Date): Promise<Claim[]>;
  /**
   * Settles claimed deliveries and moves their broadcasts' counters, in as few transactions as
   * DynamoDB allows. A recipient whose lease ran out and was settled by another worker meanwhile
   * is left as that worker settled it, and not counted again.
   */
  completeDeliveries(settlements: Settlement[], now: Date): Promise<void>;
  releaseDelivery(broadcastId: string, email: string): Promise<void>;
};

/** Broadcasts themselves (delivery-store.ts keeps their recipients), with their deliveries. */
export type BroadcastStore = DeliveryStore & {
  /** Records a broadcast, unless `idempotency`'s key already named one in the last 24 hours. */
  create(broadcast: {
    broadcastId: string;
    content: StoredBroadcastContent;
    totalSegments: number;
    now: Date;
    idempotency?: IdempotencyClaim;
    /** Absent: every active address. */
    audience?: Audience;
    /** `false`: never in the public archive. */
    archive?: boolean;
    origin?: BroadcastOrigin;
  }): Promise<CreateResult>;
  get(broadcastId: string): Promise<Broadcast | undefined>;
  content(broadcastId: string): Promise<StoredBroadcastContent | undefined>;
  /**
   * Who it is for (`undefined`: everyone), when it was created and its status: one read, by each
   * fan-out task, and by the senders, which check the status before each email.
   */
  target(
    broadcastId: string,
  ): Promise<{ audience: Audience | undefined; createdAt: string; status: BroadcastStatus } | undefined>;
  /** Broadcasts not done yet, oldest first. */
  unfinished(): Promise<Broadcast[]>;
  /** A page of every broadcast, done ones too, newest first: the console's history; `next` for the older ones. */
  list(request: ListPageRequest): Promise<{ broadcasts: Broadcast[]; next?: ListCursor }>;
  markSending(broadcastId: string, now: Date): Promise<void>;
  completeSegment(broadcastId: string, segment: number): Promise<void>;
  /** Marks the broadcast done if every segment is fanned out and every recipient handled. */
  finishIfComplete(broadcastId: string, now: Date): Promise<boolean>;
  /** Pauses a `sending` broadcast with a reason. Returns whether it paused it. */
  pause(broadcastId: string, pause: { reason: string; now: Date }): Promise<boolean>;
  /** Sets a `paused` broadcast `sending` again, remembering its counts as the new baseline. */
  resume(broadcastId: string, now: Date): Promise<ResumeResult>;
};

export type ResumeResult =
  | { result: "resumed"; broadcast: Broadcast }
  | { result: "not-paused"; broadcast: Broadcast }
  | { result: "not-found" };
