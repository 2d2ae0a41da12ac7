import { type SESClient, SendRawEmailCommand } from "@aws-sdk/client-ses";
import { redactEmails } from "../address.ts";

/** Sends one finished MIME message and returns SES's message id. */
export type Mailer = {
  sendRaw(raw: Uint8Array, tags: Record<string, string>): Promise<string>;
};

/** SES will take the same message later: throttled, or a fault on its side or the network's. */
export class RetryableSendError extends Error {
  override name = "RetryableSendError";
}

/** SES refused this message for good: sending it again cannot succeed. */
export class PermanentSendError extends Error {
  override name = "PermanentSendError";
}

// Rejections of this one message. Account-wide refusals (sending paused, identity not verified)
// are retried instead: they fail every recipient until fixed, then a DLQ redrive finishes the job.
const PERMANENT_ERRORS = new Set(["MessageRejected", "InvalidParameterValue"]);

/**
 * The From header for a configured sender: an address is used as it is; a verified domain (what
 * SES identities usually are) sends as its noreply address.
 */
export function fromAddress(sender: string): string {
  return sender.includes("@") ? sender : `OpenEMR Announcements <noreply@${sender}>`;
}

export function createSesMailer(ses: SESClient, { configurationSet }: { configurationSet?: string } = {}): Mailer {
  return {
    async sendRaw(raw, tags) {
      try {
        const { MessageId } = await ses.send(
          new SendRawEmailCommand({
            RawMessage: { Data: raw },
            ConfigurationSetName: configurationSet,
            Tags: Object.entries(tags).map(([Name, Value]) => ({ Name, Value })),
          }),
        );
        return MessageId!;
      } catch (error) {
        // SES quotes addresses in some messages; these end up in logs and delivery records.
        const message = redactEmails(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
        if (error instanceof Error && PERMANENT_ERRORS.has(error.name))
          throw new PermanentSendError(message, { cause: error });
        throw new RetryableSendError(message, { cause: error });
      }
    },
  };
}
