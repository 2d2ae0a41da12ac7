import type { CountedEvent } from "../broadcast/delivery-events.ts";
import type { DeliveryState } from "../registration/delivery-state.ts";
import type { SesEvent } from "./parse.ts";

export type { DeliveryState };

/** What an event did to its address, as recorded in the history. */
export type SesEffect =
  /** The address became `bounced`: a permanent bounce, a 5.4.4, or the third transient bounce in a row. */
  | "bounced"
  /** The address became `complained`. */
  | "complained"
  /** A transient bounce, counted towards the limit. */
  | "counted"
  /** A delivery that cleared the count of transient bounces. */
  | "reset"
  /** Recorded only: a reject, a delay, a delivery with nothing to clear, or an address opted out already. */
  | "none"
  /** Recorded only: nobody registered this address. */
  | "unregistered";

/** One event in the history of an address; each is stored once however often SNS delivers it. */
export type HistoryEntry = {
  email: string;
  type: SesEvent["type"];
  occurredAt: string;
  sesMessageId: string;
  broadcastId: string | undefined;
  diagnostic: string | undefined;
  /** Bounces: Permanent, Transient or Undetermined, and SES's subtype. */
  bounceType: string | undefined;
  bounceSubType: string | undefined;
  /** Bounces and delays: the recipient's enhanced status code, e.g. `5.1.1`. */
  smtpStatus: string | undefined;
  effect: SesEffect;
  recordedAt: string;
};

export type RecordRequest = {
  entry: HistoryEntry;
  /** The registration's change, applied only if it is still in state `from`. */
  change?: { from: DeliveryState; to: DeliveryState };
  /** A broadcast delivery record to mark delivered at `at`. */
  delivered?: { broadcastId: string; email: string; at: string };
  /**
   * The broadcast that sent the hard-bounced or complained-of email: its `hardBounces` or
   * `complaints` counts the recipient, once however many notifications say so (the delivery record
   * is marked `hardBouncedAt` or `complainedAt`).
   */
  countedFor?: { broadcastId: string; counted: CountedEvent };
};

/** Where SES events are recorded and where they change registrations. */
export type SesEventStore = {
  /** Read consistently; `undefined` when the address is not registered. */
  deliveryState(email: string): Promise<DeliveryState | undefined>;
  /** The broadcast recipient an SES message was sent to, if a broadcast sent it. */
  sentMail(sesMessageId: string): Promise<{ broadcastId: string; email: string } | undefined>;
  /**
   * Writes the history entry and the changes together, or nothing: `duplicate` when the entry
   * exists already, `conflict` when the registration or delivery record is no longer as read.
   */
  record(request: RecordRequest): Promise<"recorded" | "duplicate" | "conflict">;
  /** Every event recorded for an address, oldest first. */
  history(email: string): Promise<HistoryEntry[]>;
};
