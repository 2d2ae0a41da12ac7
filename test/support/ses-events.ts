import { simulatedEvents } from "@oemr-reg/local/simulator-events";
import type { SNSEvent } from "aws-lambda";
import { testStack } from "./stack.ts";

/** What SES publishes about one sent email, to a mailbox simulator address, as SNS hands it to the handler. */
export function snsEvent(recipient: string, sesMessageId: string, as = recipient): SNSEvent {
  const mail = {
    messageId: sesMessageId,
    source: "noreply@test.example.org",
    destination: [recipient],
    subject: "x",
    sentAt: new Date(),
    configurationSet: "test",
  };
  return {
    Records: simulatedEvents(mail, as, new Date()).map((event) => ({
      EventSource: "aws:sns",
      EventVersion: "1.0",
      EventSubscriptionArn: `${testStack().topics.SesEvents}:sub`,
      Sns: {
        Type: "Notification",
        MessageId: crypto.randomUUID(),
        TopicArn: testStack().topics.SesEvents!,
        Subject: "",
        Message: JSON.stringify(event),
        Timestamp: new Date().toISOString(),
        SignatureVersion: "1",
        Signature: "EXAMPLE",
        SigningCertUrl: "",
        UnsubscribeUrl: "",
        MessageAttributes: {},
      },
    })),
  };
}
