import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { type FanoutDeps, fanOut } from "./fanout.ts";
import type { SendPacer } from "./pacing.ts";
import type { createSender } from "./send.ts";
import type { BroadcastStore } from "./store.ts";
import { FanoutTask, SendTask } from "./tasks.ts";

/** The fan-out queue's consumer: one scan segment per message. */
export function createFanoutHandler(deps: FanoutDeps) {
  return async function fanoutHandler(event: SQSEvent, context: Context) {
    const recordHandler = (record: SQSRecord) =>
      fanOut(deps, FanoutTask.parse(JSON.parse(record.body)), () => context.getRemainingTimeInMillis());
    return processPartialResponse(event, recordHandler, newProcessor(), { context });
  };
}

export type SendHandlerDeps = {
  sender: ReturnType<typeof createSender>;
  pacer: SendPacer;
  broadcasts: BroadcastStore;
  retryLater: (receiptHandle: string, receiveCount: number) => Promise<void>;
};

/**
 * The send queue's consumer: each record's task goes to the sender, which sends a batch's tasks
 * together (see `createSender`); the batch's send times are reserved from the shared pacer in one
 * write. A record that fails is put back with backoff and reported in `batchItemFailures`, so the
 * rest of its batch is not retried.
 */
export function createSendHandler({ sender, pacer, broadcasts, retryLater }: SendHandlerDeps) {
  return async function sendHandler(event: SQSEvent, context: Context) {
    const window = {
      sendTime: ticketBook(pacer, event.Records.length),
      deadline: Date.now() + context.getRemainingTimeInMillis(),
    };
    const touched = new Set<string>();
    const recordHandler = async (record: SQSRecord) => {
      try {
        const task = SendTask.parse(parseJson(record.body));
        touched.add(task.broadcastId);
        await sender.send(task, window);
      } catch (error) {
        await retryLater(record.receiptHandle, Number(record.attributes.ApproximateReceiveCount));
        throw error;
      }
    };
    const response = await processPartialResponse(event, recordHandler, newProcessor(), { context });
    for (const broadcastId of touched) await broadcasts.finishIfComplete(broadcastId, new Date());
    return response;
  };
}

// A processor holds the state of the batch it is working on, so each invocation gets its own:
// Lambda never overlaps invocations in one instance, but the local runner does.
function newProcessor() {
  return new BatchProcessor(EventType.SQS);
}

/** A malformed body parses as nothing, which the task's schema then refuses for its record alone. */
function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** Send times for one batch, reserved together on first use and handed out in order. */
function ticketBook(pacer: SendPacer, size: number): () => Promise<Date> {
  let reserved: Promise<Date[]> | undefined;
  let next = 0;
  return async () => {
    reserved ??= pacer.reserve(size, new Date());
    const times = await reserved;
    return times[next++]!;
  };
}
