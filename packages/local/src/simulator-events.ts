/**
 * What real SES publishes to a configuration set's SNS topic for mail sent to its mailbox
 * simulator (`<scenario>[+label]@simulator.amazonses.com`), as "Testing email sending in Amazon
 * SES" describes each address:
 * - `success@`: the provider accepts the message: a Delivery;
 * - `bounce@`: the provider rejects it with SMTP 550 5.1.1: a Permanent bounce;
 * - `ooto@`: the provider delivers it, then sends an out-of-office auto-response (RFC 3834) to the
 *   Return-Path, which SES reports as a Transient bounce of subtype General: a Delivery, then that;
 * - `complaint@`: the provider delivers it and the recipient marks it as spam: a Delivery, then a
 *   Complaint (feedback type `abuse`);
 * - `suppressionlist@`: SES bounces it as if the address were suppressed: a Permanent bounce of
 *   subtype Suppressed.
 * Any other address gets a Delivery, as an accepting provider would give.
 * @module
 */

export const SIMULATOR_DOMAIN = "simulator.amazonses.com";

const SCENARIOS = ["success", "bounce", "ooto", "complaint", "suppressionlist"] as const;
export type SimulatorScenario = (typeof SCENARIOS)[number];

/** One email as the SES emulator stored it: what SendRawEmail was given, and the id it returned. */
export type SentMail = {
  messageId: string;
  /** The bare From address. */
  source: string;
  destination: string[];
  subject: string;
  sentAt: Date;
  configurationSet: string;
};

/** The mailbox simulator scenario an address asks for; labels (`bounce+42@`) are allowed, as SES allows them. */
export function simulatorScenario(address: string): SimulatorScenario | undefined {
  const at = address.lastIndexOf("@");
  if (at < 1 || address.slice(at + 1).toLowerCase() !== SIMULATOR_DOMAIN) return undefined;
  const local = address.slice(0, at).split("+")[0]!.toLowerCase();
  return (SCENARIOS as readonly string[]).includes(local) ? (local as SimulatorScenario) : undefined;
}

/**
 * The configuration-set events (`eventType`) SES would publish about one recipient of `mail`,
 * in the order they happen, each stamped a millisecond after the one before from `now`.
 */
export function simulatedEvents(mail: SentMail, recipient: string, now: Date): Record<string, unknown>[] {
  const scenario = simulatorScenario(recipient);
  const stamp = (step: number) => new Date(now.getTime() + step).toISOString();
  const event = (eventType: string, body: Record<string, unknown>) => ({ eventType, mail: mailObject(mail), ...body });
  const delivery = (step: number) =>
    event("Delivery", {
      delivery: {
        timestamp: stamp(step),
        processingTimeMillis: Math.max(0, now.getTime() - mail.sentAt.getTime()),
        recipients: [recipient],
        smtpResponse: "250 2.6.0 Message received",
        reportingMTA: "a8-70.smtp-out.amazonses.com",
      },
    });
  const bounce = (step: number, bounceType: string, bounceSubType: string, details: Record<string, string>) =>
    event("Bounce", {
      bounce: {
        bounceType,
        bounceSubType,
        bouncedRecipients: [{ emailAddress: recipient, ...details }],
        timestamp: stamp(step),
        feedbackId: feedbackId(mail.messageId, step),
        reportingMTA: "dsn; a8-70.smtp-out.amazonses.com",
      },
    });

  switch (scenario) {
    case "bounce":
      return [
        bounce(0, "Permanent", "General", {
          action: "failed",
          status: "5.1.1",
          diagnosticCode: "smtp; 550 5.1.1 user unknown",
        }),
      ];
    case "suppressionlist":
      return [
        bounce(0, "Permanent", "Suppressed", {
          action: "failed",
          status: "5.1.1",
          diagnosticCode:
            "Amazon SES has suppressed sending to this address because it has a recent history of bouncing as an " +
            "invalid address.",
        }),
      ];
    case "ooto":
      return [delivery(0), bounce(1, "Transient", "General", {})];
    case "complaint":
      return [
        delivery(0),
        event("Complaint", {
          complaint: {
            userAgent: "Amazon SES Mailbox Simulator",
            complainedRecipients: [{ emailAddress: recipient }],
            complaintFeedbackType: "abuse",
            arrivalDate: stamp(1),
            timestamp: stamp(1),
            feedbackId: feedbackId(mail.messageId, 1),
            complaintSubType: null,
          },
        }),
      ];
    case "success":
    case undefined:
      return [delivery(0)];
  }
}

function mailObject(mail: SentMail) {
  return {
    timestamp: mail.sentAt.toISOString(),
    source: mail.source,
    sendingAccountId: "000000000000",
    messageId: mail.messageId,
    destination: mail.destination,
    headersTruncated: false,
    commonHeaders: { from: [mail.source], to: mail.destination, subject: mail.subject },
    // The message's own tags (the broadcast id) are not kept by the emulator; SES's are.
    tags: {
      "ses:operation": ["SendRawEmail"],
      "ses:configuration-set": [mail.configurationSet],
      "ses:from-domain": [mail.source.slice(mail.source.lastIndexOf("@") + 1)],
    },
  };
}

function feedbackId(messageId: string, step: number): string {
  return `${messageId}-feedback-${step}`;
}
