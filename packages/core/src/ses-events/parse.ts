import { normalizeEmail } from "../address.ts";
import type * as z from "../zod-mini.ts";
import {
  IDENTITY_KINDS,
  IdentityNotification,
  IGNORED_KINDS,
  PUBLISHED_KINDS,
  PublishedEvent,
  type SesMail,
} from "./schema.ts";

type Common = {
  /** The recipient, normalized as registrations are keyed. */
  email: string;
  sesMessageId: string;
  /** When SES saw it happen (not when SNS delivered it), as an ISO timestamp. */
  occurredAt: string;
  /** The `broadcastId` message tag, when SES published it (event publishing only). */
  broadcastId: string | undefined;
  /** What the receiving server or SES said: diagnostic code, SMTP response, reject reason. */
  diagnostic: string | undefined;
};

/** One SES event about one recipient: a notification naming several recipients yields several. */
export type SesEvent = Common &
  (
    | {
        type: "Bounce";
        bounceType: "Permanent" | "Transient" | "Undetermined";
        bounceSubType: string;
        status: string | undefined;
      }
    | { type: "Complaint"; feedbackType: string | undefined }
    | { type: "Delivery" }
    | { type: "Reject" }
    | { type: "DeliveryDelay"; delayType: string; status: string | undefined }
  );

export type ParsedNotification =
  | { kind: "events"; events: SesEvent[] }
  /** A documented kind that does not concern deliverability (Send, Open, the subscription notice...). */
  | { kind: "ignored"; type: string }
  /** Not JSON, not an SES notification, or not the documented shape: logged and dropped. */
  | { kind: "skipped"; reason: string };

/**
 * Reads the `Message` of an SNS record from the SES events topic, in either format SES publishes:
 * identity notifications (`notificationType`) or configuration-set events (`eventType`). Pure: it
 * never throws, so one bad record cannot hold up the others.
 * @example
 * const parsed = parseSesNotification(record.Sns.Message);
 * if (parsed.kind === "events") for (const event of parsed.events) await applySesEvent(store, event, new Date());
 */
export function parseSesNotification(json: string): ParsedNotification {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { kind: "skipped", reason: "not JSON" };
  }
  if (typeof value !== "object" || value === null) return { kind: "skipped", reason: "not an object" };
  const record = value as Record<string, unknown>;
  const type = record.eventType ?? record.notificationType;
  if (typeof type !== "string") return { kind: "skipped", reason: "no eventType or notificationType" };
  if (IGNORED_KINDS.has(type)) return { kind: "ignored", type };

  const published = "eventType" in record;
  if (!(published ? PUBLISHED_KINDS : IDENTITY_KINDS).has(type)) {
    return { kind: "skipped", reason: `unknown type ${JSON.stringify(type.slice(0, 40))}` };
  }
  const parsed = (published ? PublishedEvent : IdentityNotification).safeParse(record);
  if (!parsed.success) {
    // Paths only: nothing of the input, so no address reaches the log.
    const where = parsed.error.issues.map((issue) => issue.path.join(".") || "(root)").join(", ");
    return { kind: "skipped", reason: `malformed ${type}: ${where}` };
  }
  return { kind: "events", events: toEvents(parsed.data) };
}

type Notification = z.infer<typeof IdentityNotification> | z.infer<typeof PublishedEvent>;

function toEvents(notification: Notification): SesEvent[] {
  const common = (address: string, timestamp: string, diagnostic: string | undefined) => ({
    email: normalizeEmail(bareAddress(address)),
    sesMessageId: notification.mail.messageId,
    occurredAt: new Date(timestamp).toISOString(),
    broadcastId: broadcastTag(notification.mail),
    diagnostic,
  });
  if ("bounce" in notification) {
    const { bounce } = notification;
    return bounce.bouncedRecipients.map((recipient) => ({
      ...common(recipient.emailAddress, bounce.timestamp, recipient.diagnosticCode),
      type: "Bounce",
      bounceType: bounce.bounceType,
      bounceSubType: bounce.bounceSubType,
      status: recipient.status,
    }));
  }
  if ("complaint" in notification) {
    const { complaint } = notification;
    return complaint.complainedRecipients.map((recipient) => ({
      ...common(recipient.emailAddress, complaint.timestamp, complaint.complaintFeedbackType),
      type: "Complaint",
      feedbackType: complaint.complaintFeedbackType,
    }));
  }
  if ("delivery" in notification) {
    const { delivery } = notification;
    return delivery.recipients.map((address) => ({
      ...common(address, delivery.timestamp, delivery.smtpResponse),
      type: "Delivery",
    }));
  }
  if ("reject" in notification) {
    // A reject is about the message (a virus, say), not an address; SES names no recipient, so
    // every destination gets the record. It has no time of its own: the send time stands in.
    const { reject, mail } = notification;
    return mail.destination.map((address) => ({ ...common(address, mail.timestamp, reject.reason), type: "Reject" }));
  }
  const { deliveryDelay } = notification;
  return deliveryDelay.delayedRecipients.map((recipient) => ({
    ...common(recipient.emailAddress, deliveryDelay.timestamp, recipient.diagnosticCode ?? deliveryDelay.delayType),
    type: "DeliveryDelay",
    delayType: deliveryDelay.delayType,
    status: recipient.status,
  }));
}

/** `Jane <jane@example.org>` as SES may list a destination, down to `jane@example.org`. */
function bareAddress(address: string): string {
  const bracketed = /<([^<>]+)>\s*$/.exec(address);
  return bracketed ? bracketed[1]! : address;
}

function broadcastTag(mail: z.infer<typeof SesMail>): string | undefined {
  return mail.tags?.broadcastId?.[0];
}
