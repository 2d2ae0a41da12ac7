import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { StackSpec } from "@oemr-reg/core/resources";
import { runEventSource } from "@oemr-reg/local/event-source";
import { invokeSnsHandler, invokeSqsHandler } from "@oemr-reg/local/invoke";
import { provisionStack } from "@oemr-reg/local/provision";
import type { SNSEvent, SQSEvent, SQSRecord } from "aws-lambda";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "./support/stack.ts";

const sqs = new SQSClient({});
const clients = { dynamodb: new DynamoDBClient({}), sqs, sns: new SNSClient({}) };
const consumer = { handler: "unused.handler", timeoutSeconds: 2, batchSize: 10, maxConcurrency: 1 };
const spec = {
  api: { handler: "unused.handler", timeoutSeconds: 1 },
  tables: {},
  queues: {
    WorkDlq: { visibilityTimeoutSeconds: 30 },
    Work: { visibilityTimeoutSeconds: 1, dlq: { queue: "WorkDlq", retry: 2 }, consumer },
  },
  topics: { Events: { subscribers: { EventsHandler: { handler: "unused.handler", timeoutSeconds: 1, retries: 1 } } } },
  secrets: {},
  links: {},
  crons: {},
} satisfies StackSpec;

let stops: AbortController[] = [];
afterEach(() => {
  for (const controller of stops) controller.abort();
  stops = [];
});

async function provision() {
  return provisionStack(spec, `es-${crypto.randomUUID().slice(0, 8)}`, clients);
}

async function visibleAndInFlight(queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
}

function start(options: Omit<Parameters<typeof runEventSource>[0], "signal" | "sqs">) {
  const controller = new AbortController();
  stops.push(controller);
  return runEventSource({ ...options, sqs, signal: controller.signal });
}

/** The topic's subscriber, one notification at a time, as its Lambda would be invoked. */
function subscribe(
  delivery: { queue: { url: string }; subscriptionArn: string },
  handler: (event: SNSEvent) => Promise<void>,
) {
  return start({
    queueUrl: delivery.queue.url,
    batchSize: 1,
    concurrency: 1,
    invoke: invokeSnsHandler({
      handler,
      functionName: "EventsHandler",
      timeoutSeconds: 1,
      subscriptionArn: delivery.subscriptionArn,
    }),
  });
}

describe("the local SQS event source", () => {
  it(
    "deletes what a batch handled, redelivers what it reported failed, " + "and dead-letters it after its retries",
    async () => {
      const stack = await provision();
      const work = stack.queues.Work!;
      const seen: SQSRecord[] = [];
      const handler = async (event: SQSEvent) => {
        seen.push(...event.Records);
        const failures = event.Records.filter((record) => record.body.startsWith("fail"));
        return { batchItemFailures: failures.map((record) => ({ itemIdentifier: record.messageId })) };
      };
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: work.url,
          Entries: ["ok-1", "ok-2", "fail-1"].map((body, i) => ({
            Id: String(i),
            MessageBody: body,
            MessageAttributes: { kind: { DataType: "String", StringValue: body.split("-")[0] } },
          })),
        }),
      );
      start({
        queueUrl: work.url,
        batchSize: 10,
        concurrency: 1,
        invoke: invokeSqsHandler({ handler, functionName: "Work", timeoutSeconds: 2, queueArn: work.arn }),
      });

      const dead = await eventually(async () => {
        const { Messages } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: stack.queues.WorkDlq!.url, WaitTimeSeconds: 0 }),
        );
        return Messages?.length ? Messages : undefined;
      });
      expect(dead.map((message) => message.Body)).toEqual(["fail-1"]);
      expect(await visibleAndInFlight(work.url)).toBe(0);

      const bodies = seen.map((record) => record.body);
      expect(bodies.filter((body) => body === "ok-1")).toHaveLength(1);
      expect(bodies.filter((body) => body === "fail-1")).toHaveLength(2);
      const retried = seen
        .filter((record) => record.body === "fail-1")
        .map((record) => record.attributes.ApproximateReceiveCount);
      expect(retried).toEqual(["1", "2"]);
      expect(seen[0]).toMatchObject({
        eventSource: "aws:sqs",
        eventSourceARN: work.arn,
        messageAttributes: { kind: { dataType: "String", stringValue: "ok" } },
      });
    },
  );

  it("returns the whole batch when the handler throws or names a message it was not given", async () => {
    for (const outcome of ["throw", "unknown id"] as const) {
      const stack = await provision();
      const work = stack.queues.Work!;
      let calls = 0;
      const handler = async (event: SQSEvent) => {
        calls += 1;
        if (calls === 1 && outcome === "throw") throw new Error("boom");
        if (calls === 1) return { batchItemFailures: [{ itemIdentifier: "not-in-this-batch" }] };
        return { batchItemFailures: [] as { itemIdentifier: string }[], size: event.Records.length };
      };
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: work.url,
          Entries: [
            { Id: "a", MessageBody: "a" },
            { Id: "b", MessageBody: "b" },
          ],
        }),
      );
      start({
        queueUrl: work.url,
        batchSize: 10,
        concurrency: 1,
        invoke: invokeSqsHandler({ handler, functionName: "Work", timeoutSeconds: 2, queueArn: work.arn }),
      });
      await eventually(async () => (calls >= 2 && (await visibleAndInFlight(work.url)) === 0 ? true : undefined));
      expect(calls).toBe(2);
    }
  });
});

describe("the local SNS delivery", () => {
  it("invokes the subscriber with one SNS record per notification", async () => {
    const stack = await provision();
    const delivery = stack.deliveries[0]!;
    const events: SNSEvent[] = [];
    const handler = async (event: SNSEvent) => void events.push(event);
    subscribe(delivery, handler);

    await clients.sns.send(
      new PublishCommand({ TopicArn: stack.topics.Events, Message: '{"notificationType":"Bounce"}', Subject: "ses" }),
    );
    const [event] = await eventually(async () => (events.length ? events : undefined));
    expect(event!.Records).toHaveLength(1);
    expect(event!.Records[0]).toMatchObject({
      EventSource: "aws:sns",
      EventSubscriptionArn: delivery.subscriptionArn,
      Sns: { TopicArn: stack.topics.Events, Message: '{"notificationType":"Bounce"}', Type: "Notification" },
    });
  });

  it("retries a failing subscriber and then keeps the notification in its failure queue", async () => {
    const stack = await provision();
    const delivery = stack.deliveries[0]!;
    let attempts = 0;
    const handler = async () => {
      attempts += 1;
      throw new Error("cannot handle");
    };
    subscribe(delivery, handler);
    await clients.sns.send(new PublishCommand({ TopicArn: stack.topics.Events, Message: "kept" }));

    const failuresUrl = delivery.queue.url.replace(/EventsHandler$/, "EventsHandler-failures");
    const kept = await eventually(async () => {
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: failuresUrl, WaitTimeSeconds: 0 }));
      return Messages?.length ? Messages : undefined;
    });
    expect(JSON.parse(kept[0]!.Body!).Message).toBe("kept");
    expect(attempts).toBe(2);
  });
});
