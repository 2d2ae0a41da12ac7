import * as z from "../zod-mini.ts";

// The two shapes SES publishes to SNS, cut down to the fields this service reads but otherwise as
// documented: "Amazon SNS notification contents for Amazon SES" (identity notifications, keyed by
// `notificationType`) and "Contents of event data that Amazon SES publishes to Amazon SNS"
// (configuration-set event publishing, keyed by `eventType`). Both carry the same `mail`,
// `bounce`, `complaint` and `delivery` objects; event publishing adds `reject`, `deliveryDelay`
// and more. zod/mini: the SES-events handler parses each one at its first event (issue #26).

const Timestamp = z.string().check(z.refine((value) => !Number.isNaN(Date.parse(value)), "Not a timestamp"));

export const SesMail = z.object({
  timestamp: Timestamp,
  messageId: z.string().check(z.minLength(1)),
  source: z.optional(z.string()),
  destination: z.array(z.string()),
  /** Event publishing only: the message tags (our `broadcastId`) plus SES's own `ses:*` tags. */
  tags: z.optional(z.record(z.string(), z.array(z.string()))),
});

export const SesBounce = z.object({
  /** Undetermined is neither: SES could not tell, so it is treated like a transient bounce. */
  bounceType: z.enum(["Permanent", "Transient", "Undetermined"]),
  bounceSubType: z.string(),
  bouncedRecipients: z
    .array(
      z.object({
        emailAddress: z.string(),
        action: z.optional(z.string()),
        /** The enhanced status code (RFC 3463), e.g. `5.1.1`. */
        status: z.optional(z.string()),
        diagnosticCode: z.optional(z.string()),
      }),
    )
    .check(z.minLength(1)),
  timestamp: Timestamp,
  feedbackId: z.optional(z.string()),
});

export const SesComplaint = z.object({
  complainedRecipients: z.array(z.object({ emailAddress: z.string() })).check(z.minLength(1)),
  timestamp: Timestamp,
  feedbackId: z.optional(z.string()),
  /** `abuse`, `not-spam`, ...; absent when the ISP sends no feedback report. */
  complaintFeedbackType: z.optional(z.string()),
  complaintSubType: z.nullish(z.string()),
});

export const SesDelivery = z.object({
  timestamp: Timestamp,
  recipients: z.array(z.string()).check(z.minLength(1)),
  smtpResponse: z.optional(z.string()),
  processingTimeMillis: z.optional(z.number()),
});

export const SesReject = z.object({ reason: z.string() });

export const SesDeliveryDelay = z.object({
  /** `TransientCommunicationFailure`, `MailboxFull`, `IPFailure`, ... */
  delayType: z.string(),
  delayedRecipients: z
    .array(
      z.object({ emailAddress: z.string(), status: z.optional(z.string()), diagnosticCode: z.optional(z.string()) }),
    )
    .check(z.minLength(1)),
  expirationTime: z.optional(Timestamp),
  timestamp: Timestamp,
});

/** The kinds this service acts on; both formats name them alike. */
const Acted = {
  Bounce: z.object({ mail: SesMail, bounce: SesBounce }),
  Complaint: z.object({ mail: SesMail, complaint: SesComplaint }),
  Delivery: z.object({ mail: SesMail, delivery: SesDelivery }),
  Reject: z.object({ mail: SesMail, reject: SesReject }),
  DeliveryDelay: z.object({ mail: SesMail, deliveryDelay: SesDeliveryDelay }),
};

export type SesEventKind = keyof typeof Acted;

export const IDENTITY_KINDS: ReadonlySet<string> = new Set<SesEventKind>(["Bounce", "Complaint", "Delivery"]);
export const PUBLISHED_KINDS: ReadonlySet<string> = new Set(Object.keys(Acted));

/** Identity notifications: only bounces, complaints and deliveries. */
export const IdentityNotification = z.discriminatedUnion("notificationType", [
  z.extend(Acted.Bounce, { notificationType: z.literal("Bounce") }),
  z.extend(Acted.Complaint, { notificationType: z.literal("Complaint") }),
  z.extend(Acted.Delivery, { notificationType: z.literal("Delivery") }),
]);

/** Configuration-set event publishing: the kinds acted on. */
export const PublishedEvent = z.discriminatedUnion("eventType", [
  z.extend(Acted.Bounce, { eventType: z.literal("Bounce") }),
  z.extend(Acted.Complaint, { eventType: z.literal("Complaint") }),
  z.extend(Acted.Delivery, { eventType: z.literal("Delivery") }),
  z.extend(Acted.Reject, { eventType: z.literal("Reject") }),
  z.extend(Acted.DeliveryDelay, { eventType: z.literal("DeliveryDelay") }),
]);

/**
 * Documented kinds that say nothing about whether an address can be mailed: acknowledged without
 * a record. `AmazonSnsSubscriptionSucceeded` is the notice SES sends when a topic is configured.
 */
export const IGNORED_KINDS: ReadonlySet<string> = new Set([
  "AmazonSnsSubscriptionSucceeded",
  "Send",
  "Open",
  "Click",
  "Rendering Failure",
  "Subscription",
]);
