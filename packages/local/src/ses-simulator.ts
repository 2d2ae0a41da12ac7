import { setTimeout as sleep } from "node:timers/promises";
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { logger } from "@oemr-reg/core/log";
import { maskEmail } from "@oemr-reg/core/registration";
import { type StoredEmail, storedEmails } from "./ses-store.ts";
import { type SentMail, simulatedEvents, simulatorScenario } from "./simulator-events.ts";

export type SesSimulatorOptions = {
  /** The SES emulator (aws-ses-v2-local), whose `GET /store?since=<epoch seconds>` lists what it was sent. */
  sesEndpoint: string;
  sns: SNSClient;
  /** The topic SES would publish the configuration set's events to. */
  topicArn: string;
  configurationSet: string;
  /**
   * Only mail from this address is reported, as SES reports only what was sent through the
   * configuration set; others may share the emulator (the test suite's files do).
   */
  sender?: string;
  /** Reports mail sent from this moment on; the emulator keeps `at` in whole seconds. */
  since?: Date;
  intervalMs?: number;
  signal: AbortSignal;
};

/**
 * Plays SES's part after sending, which the emulator does not: watches the emulator for new mail
 * and publishes to the SES events topic what real SES would for each recipient (a delivery, or
 * for the mailbox simulator's addresses a bounce, a complaint or an auto-response), so the whole
 * bounce loop runs offline. Each message is reported once; an event that fails to publish is
 * tried again at the next poll, with the same content. Resolves `stopped` once `signal` aborts.
 */
export function startSesSimulator({
  sesEndpoint,
  sns,
  topicArn,
  configurationSet,
  sender,
  since = new Date(),
  intervalMs = 200,
  signal,
}: SesSimulatorOptions): { stopped: Promise<void> } {
  const wanted = sender && bareAddress(sender).toLowerCase();
  // Message ids seen, with their `at`: the store is read from the newest `at` seen, and an id older
  // than that will not be listed again, so it can be forgotten.
  const seen = new Map<string, number>();
  let cursor = Math.floor(since.getTime() / 1000);
  // Events built but not yet published, oldest first.
  const outbox: { messageId: string; recipient: string; type: string; message: string }[] = [];

  async function poll() {
    const emails = await storedEmails(sesEndpoint, { since: cursor, signal });
    const now = new Date();
    for (const email of emails) {
      if (seen.has(email.messageId)) continue;
      seen.set(email.messageId, email.at);
      if (wanted && bareAddress(email.from).toLowerCase() !== wanted) continue;
      const recipients = addressesOf(email.destination);
      const mail: SentMail = {
        messageId: email.messageId,
        source: bareAddress(email.from),
        destination: recipients,
        subject: email.subject,
        sentAt: new Date(email.at * 1000),
        configurationSet,
      };
      for (const recipient of recipients) {
        for (const event of simulatedEvents(mail, recipient, now)) {
          outbox.push({
            messageId: email.messageId,
            recipient,
            type: String(event.eventType),
            message: JSON.stringify(event),
          });
        }
      }
    }
    cursor = Math.max(cursor, ...emails.map((email) => email.at));
    for (const [messageId, at] of seen) if (at < cursor) seen.delete(messageId);

    while (outbox.length > 0 && !signal.aborted) {
      const next = outbox[0]!;
      await sns.send(new PublishCommand({ TopicArn: topicArn, Message: next.message }), { abortSignal: signal });
      outbox.shift();
      const details = { sesMessageId: next.messageId, type: next.type, email: maskEmail(next.recipient) };
      if (simulatorScenario(next.recipient)) logger.info("SES simulator published", details);
      else logger.debug("SES simulator published", details);
    }
  }

  async function run() {
    while (!signal.aborted) {
      try {
        await poll();
      } catch (error) {
        if (signal.aborted) return;
        logger.warn("SES simulator poll failed", { error: String(error) });
      }
      try {
        await sleep(intervalMs, undefined, { signal });
      } catch {
        return;
      }
    }
  }

  return { stopped: run() };
}

/** `"Jane" <jane@example.org>` down to `jane@example.org`. */
function bareAddress(address: string): string {
  return /<([^<>]+)>\s*$/.exec(address)?.[1] ?? address.trim();
}

/** The emulator keeps each header's text, which lists every address of that header. */
function addressesOf(destination: StoredEmail["destination"]): string[] {
  const text = [...(destination.to ?? []), ...(destination.cc ?? []), ...(destination.bcc ?? [])].join(", ");
  return text.match(/[^\s<>,;"]+@[^\s<>,;"]+/g) ?? [];
}
