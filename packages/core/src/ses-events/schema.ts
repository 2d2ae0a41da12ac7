import { z } from "zod";

// The two shapes SES publishes to SNS, cut down to the fields this service reads but otherwise as
// documented: "Amazon SNS notification contents for Amazon SES" (identity notifications, keyed by
// `notificationType`) and "Contents of event data that Amazon SES publishes to Amazon SNS"
// (configuration-set event publishing, keyed by `eventType`). Both carry the same `mail`,
// `bounce`, `complaint` and `delivery` objects; event publishing adds `reject`, `deliveryDelay`
// and more.

const Timestamp = z.string().refine((value) => !Number.isNaN(Date.parse(value)), "Not a timestamp");

export const SesMail = z.object({
  timestamp: Timestamp,
  messageId: z.string().min(1),
  source: z.string().optional(),
  destination: z.array(z.string()),
  /** Event publishing only: the message tags (our `broadcastId`) plus SES's own `ses:*` tags. */
  tags: z.record(z.string(), z.array(z.string())).optional(),
});

export const SesBounce = z.object({
  /** Undetermined is neither: SES could not tell, so it is treated like a transient bounce. */
  bounceType: z.enum(["Permanent", "Transient", "Undetermined"]),
  bounceSubType: z.string(),
  bouncedRecipients: z
    .array(
      z.object({
        emailAddress: z.string(),
        action: z.string().optional(),
        /** The enhanced status code (RFC 3463), e.g. `5.1.1`. */
        status: z.string().optional(),
        diagnosticCode: z.string().optional(),
      }),
    )
    .min(1),
  timestamp: Timestamp,
  feedbackId: z.string().optional(),
});

export const SesComplaint = z.object({
  complainedRecipients: z.array(z.object({ emailAddress: z.string() })).min(1),
  timestamp: Timestamp,
  feedbackId: z.string().optional(),
  /** `abuse`, `not-spam`, ...; absent when the ISP sends no feedback report. */
  complaintFeedbackType: z.string().optional(),
  complaintSubType: z.string().nullish(),
});

export const SesDelivery = z.object({
  timestamp: Timestamp,
  recipients: z.array(z.string()).min(1),
  smtpResponse: z.string().optional(),
  processingTimeMillis: z.number().optional(),
});

export const SesReject = z.object({ reason: z.string() });

export const SesDeliveryDelay = z.object({
  /** `TransientCommunicationFailure`, `MailboxFull`, `IPFailure`, ... */
  delayType: z.string(),
  delayedRecipients: z
    .array(z.object({ emailAddress: z.string(), status: z.string().optional(), diagnosticCode: z.string().optional() }))
    .min(1),
  expirationTime: Timestamp.optional(),
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
  Acted.Bounce.extend({ notificationType: z.literal("Bounce") }),
  Acted.Complaint.extend({ notificationType: z.literal("Complaint") }),
  Acted.Delivery.extend({ notificationType: z.literal("Delivery") }),
]);

/** Configuration-set event publishing: the kinds acted on. */
export const PublishedEvent = z.discriminatedUnion("eventType", [
  Acted.Bounce.extend({ eventType: z.literal("Bounce") }),
  Acted.Complaint.extend({ eventType: z.literal("Complaint") }),
  Acted.Delivery.extend({ eventType: z.literal("Delivery") }),
  Acted.Reject.extend({ eventType: z.literal("Reject") }),
  Acted.DeliveryDelay.extend({ eventType: z.literal("DeliveryDelay") }),
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
