/**
 * Lifetimes of the State items that hold personal data. DynamoDB's TTL deletes an item some time
 * (up to a few days) after the epoch second in its `expiresAt` (resources.ts names the attribute);
 * the local runner's sweep (privacy/ttl-sweep.ts) does it locally. Each stage sets the days in
 * its settings (resources.ts, `Settings`); these are the defaults.
 * @module
 */

export type Retention = {
  /** A delivery record and its SES message id, after the email was sent (or skipped, or refused). */
  deliveryDays: number;
  /** An entry of an address's history: a list change or an SES event. */
  historyDays: number;
  /** A source IP, in a registration or its history: then it is cut to its /24 or /48 (privacy/source-ip-sweep.ts). */
  sourceIpWholeDays: number;
};

export const DEFAULT_RETENTION: Retention = { deliveryDays: 90, historyDays: 730, sourceIpWholeDays: 30 };

/**
 * A broadcast sends for `deliveryDays` after its creation; the delivery records it has not settled
 * by then expire this many days later, when no sender can hold one any more (delivery-store.ts).
 */
export const SEND_WINDOW_MARGIN_DAYS = 2;

/** Whether a broadcast created at `createdAt` may still add and send deliveries at `now`. */
export function inSendWindow(createdAt: string, now: Date, deliveryDays: number): boolean {
  return now.getTime() / 1000 < expiresAt(createdAt, deliveryDays);
}

/** The `expiresAt` of an item made at `at` and kept `days`: epoch seconds, as DynamoDB's TTL reads it. */
export function expiresAt(at: Date | string, days: number): number {
  return Math.floor(new Date(at).getTime() / 1000) + Math.round(days * 86_400);
}
