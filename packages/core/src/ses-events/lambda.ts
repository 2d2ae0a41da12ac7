import type { SNSEvent } from "aws-lambda";
import { maskEmail } from "../address.ts";
import { logger } from "../log.ts";
import { applySesEvent } from "./apply.ts";
import { parseSesNotification } from "./parse.ts";
import type { SesEventStore } from "./store.ts";

export type SesEventsHandlerDeps = {
  store: SesEventStore;
  /**
   * Called after each hard bounce of a broadcast's email, duplicates included (so a retry after it
   * failed calls it again): e.g. to pause a broadcast that bounces too much. Must be idempotent.
   */
  onHardBounce?: (broadcastId: string) => Promise<void>;
  now?: () => Date;
};

/**
 * The SES events topic's subscriber. A record that is not an SES event it knows is logged and
 * skipped, so SNS does not retry it for nothing; a failure to store an event throws, so SNS and
 * Lambda retry the invocation, which the once-per-address records make safe.
 */
export function createSesEventsHandler({ store, onHardBounce, now = () => new Date() }: SesEventsHandlerDeps) {
  return async function sesEventsHandler(event: SNSEvent): Promise<void> {
    for (const record of event.Records) {
      const snsMessageId = record.Sns.MessageId;
      const parsed = parseSesNotification(record.Sns.Message);
      if (parsed.kind === "skipped") {
        logger.warn("SES notification skipped", { snsMessageId, reason: parsed.reason });
        continue;
      }
      if (parsed.kind === "ignored") {
        logger.debug("SES notification ignored", { snsMessageId, type: parsed.type });
        continue;
      }
      for (const sesEvent of parsed.events) {
        const { result, effect, hardBounceOf } = await applySesEvent(store, sesEvent, now());
        const details = {
          snsMessageId,
          sesMessageId: sesEvent.sesMessageId,
          type: sesEvent.type,
          email: maskEmail(sesEvent.email),
          result,
          effect,
        };
        if (effect === "unregistered") logger.warn("SES event for an address that is not registered", details);
        else logger.info("SES event recorded", details);
        if (hardBounceOf && onHardBounce) await onHardBounce(hardBounceOf);
      }
    }
  };
}
