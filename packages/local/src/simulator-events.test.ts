import { PublishedEvent, parseSesNotification } from "@oemr-reg/core/ses-events";
import { describe, expect, it } from "vitest";
import { type SentMail, simulatedEvents, simulatorScenario } from "./simulator-events.ts";

const sentAt = new Date("2024-02-01T10:00:00.000Z");
const now = new Date("2024-02-01T10:00:01.000Z");

function mailTo(recipient: string): SentMail {
  return {
    messageId: "ses-123456789",
    source: "noreply@open-emr.org",
    destination: [recipient],
    subject: "OpenEMR 7.0.3",
    sentAt,
    configurationSet: "local",
  };
}

function parsed(recipient: string) {
  return simulatedEvents(mailTo(recipient), recipient, now).map((event) => {
    expect(PublishedEvent.safeParse(event).success).toBe(true);
    const result = parseSesNotification(JSON.stringify(event));
    if (result.kind !== "events") throw new Error(`not parsed: ${JSON.stringify(result)}`);
    return result.events;
  });
}

describe("simulatorScenario", () => {
  it("reads the scenario from a mailbox simulator address, with or without a label, in any letter case", () => {
    expect(simulatorScenario("bounce@simulator.amazonses.com")).toBe("bounce");
    expect(simulatorScenario("Bounce+17@Simulator.AmazonSES.com")).toBe("bounce");
    expect(simulatorScenario("ooto+a@simulator.amazonses.com")).toBe("ooto");
    expect(simulatorScenario("nobody@simulator.amazonses.com")).toBeUndefined();
    expect(simulatorScenario("bounce@example.org")).toBeUndefined();
  });
});

describe("simulatedEvents", () => {
  it("gives bounce@ one permanent bounce, 5.1.1, that the SES events schemas read", () => {
    expect(parsed("bounce@simulator.amazonses.com")).toEqual([
      [
        expect.objectContaining({
          type: "Bounce",
          email: "bounce@simulator.amazonses.com",
          sesMessageId: "ses-123456789",
          bounceType: "Permanent",
          bounceSubType: "General",
          status: "5.1.1",
          diagnostic: "smtp; 550 5.1.1 user unknown",
          occurredAt: now.toISOString(),
        }),
      ],
    ]);
  });

  it("gives complaint@ a delivery, then a complaint of type abuse", () => {
    expect(parsed("complaint+x@simulator.amazonses.com")).toEqual([
      [expect.objectContaining({ type: "Delivery", email: "complaint+x@simulator.amazonses.com" })],
      [expect.objectContaining({ type: "Complaint", feedbackType: "abuse", occurredAt: "2024-02-01T10:00:01.001Z" })],
    ]);
  });

  it("gives ooto@ a delivery, then its auto-response as a later transient bounce", () => {
    expect(parsed("ooto@simulator.amazonses.com")).toEqual([
      [expect.objectContaining({ type: "Delivery", occurredAt: now.toISOString() })],
      [
        expect.objectContaining({
          type: "Bounce",
          bounceType: "Transient",
          bounceSubType: "General",
          status: undefined,
        }),
      ],
    ]);
  });

  it("gives success@ and any other address one delivery", () => {
    for (const recipient of ["success@simulator.amazonses.com", "admin@clinic.example.org"]) {
      expect(parsed(recipient)).toEqual([
        [expect.objectContaining({ type: "Delivery", email: recipient, diagnostic: "250 2.6.0 Message received" })],
      ]);
    }
  });

  it("gives suppressionlist@ a permanent bounce of subtype Suppressed", () => {
    expect(parsed("suppressionlist@simulator.amazonses.com")).toEqual([
      [expect.objectContaining({ type: "Bounce", bounceType: "Permanent", bounceSubType: "Suppressed" })],
    ]);
  });

  it("keeps the mail as SES sent it: the message id, the send time and the configuration set", () => {
    const [event] = simulatedEvents(mailTo("success@simulator.amazonses.com"), "success@simulator.amazonses.com", now);
    expect(event).toMatchObject({
      eventType: "Delivery",
      mail: {
        messageId: "ses-123456789",
        timestamp: sentAt.toISOString(),
        source: "noreply@open-emr.org",
        tags: { "ses:configuration-set": ["local"] },
      },
      delivery: { processingTimeMillis: 1000 },
    });
  });
});
