import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { stack } from "@oemr-reg/core/resources";
import { addressHistory, createDynamoSesEventStore } from "@oemr-reg/core/ses-events";
import { describe, expect, inject, it } from "vitest";
import { postForm, postJson, serveForFile, uniqueEmail } from "../support/serve.ts";
import { startSesFaultProxy } from "../support/ses-faults.ts";
import { emailsWithSubject, eventually, ownStack, runStackConsumers } from "../support/stack.ts";
import { recordFigure, recordSecrets } from "./support/figures.ts";

// A send message goes to the DLQ after 3 receives (2 s, then 4 s of backoff), so an outage of
// SES fills the DLQ within seconds.
const spec = {
  ...stack,
  queues: { ...stack.queues, Send: { ...stack.queues.Send, dlq: { queue: "SendDlq", retry: 3 } } },
};
const PIN = "board-pin-97531864";
recordSecrets(PIN);
const provisioned = await ownStack("sesout", { spec, pin: PIN, settings: { sendRate: 200 } });
const stage = /oemr-reg-(.+)-SendDlq$/.exec(provisioned.queues.SendDlq!.url)![1]!;
const sqs = new SQSClient({});

let sesDown = true;
const attempts = new Map<string, number[]>();
const proxy = await startSesFaultProxy(inject("endpoints").ses, ({ recipient }) => {
  attempts.set(recipient, [...(attempts.get(recipient) ?? []), Date.now()]);
  return sesDown
    ? { code: "ServiceUnavailable", message: "Service is unavailable. Please try again later." }
    : undefined;
});
process.env.AWS_ENDPOINT_URL_SES = proxy.url;

const { app } = await import("@oemr-reg/functions/api");
const base = await serveForFile(app);
await runStackConsumers(provisioned, spec);

const waiting = async (queue: string) => {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: provisioned.queues[queue]!.url,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
};

describe("SES failing for a while", () => {
  it("retries with backoff, parks what exhausts its retries in the DLQ, " +
    "and the redrive command finishes the broadcast with no duplicates", async () => {
    const recipients = Array.from({ length: 30 }, () => uniqueEmail("outage"));
    recordSecrets(...recipients);
    for (const email of recipients) expect((await postForm(`${base}/api/registration`, { email })).status).toBe(201);
    const title = `SES outage ${crypto.randomUUID()}`;
    const started = await postJson(`${base}/api/registration/broadcast`, {
      secretPin: PIN,
      title,
      contents: "Patch now.",
    });
    const { broadcastId } = (await started.json()) as { broadcastId: string };
    const progress = async () =>
      (await (
        await fetch(`${base}/api/registration/broadcast/${broadcastId}`, { headers: { "X-Secret-Pin": PIN } })
      ).json()) as {
        status: string;
        sent: number;
        recipients: number;
      };

    await eventually(
      async () =>
        (await waiting("SendDlq")) === recipients.length && (await waiting("Send")) === 0 ? true : undefined,
      60_000,
      "every send in the DLQ",
    );
    expect(await progress()).toMatchObject({ status: "sending", sent: 0 });
    // Each recipient was tried 3 times, each retry later than the one before.
    for (const email of recipients) {
      const times = attempts.get(email)!;
      expect(times).toHaveLength(3);
      expect(times[2]! - times[1]!).toBeGreaterThan(times[1]! - times[0]!);
    }
    const gaps = recipients.map((email) => attempts.get(email)!).map((t) => [t[1]! - t[0]!, t[2]! - t[1]!]);

    sesDown = false;
    const redriven = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "packages/local/src/redrive-main.ts", "--queue", "SendDlq", "--stage", stage],
      {
        env: { ...process.env, SQS_PORT: new URL(inject("endpoints").sqs).port },
      },
    );
    expect(JSON.parse(redriven.stdout)).toEqual({ queue: "SendDlq", to: "Send", moved: recipients.length });

    const done = await eventually(
      async () => {
        const body = await progress();
        return body.status === "done" ? body : undefined;
      },
      60_000,
      "the broadcast after the redrive",
    );
    expect(done).toMatchObject({ recipients: recipients.length, sent: recipients.length });
    const delivered = (await emailsWithSubject(title)).map((email) => email.destination.to[0]!.toLowerCase());
    const duplicates = delivered.length - new Set(delivered).size;
    const missing = recipients.filter((email) => !delivered.includes(email.toLowerCase()));
    expect(duplicates).toBe(0);
    expect(missing).toEqual([]);
    const average = (values: number[]) => Math.round(values.reduce((a, b) => a + b, 0) / values.length / 100) / 10;
    recordFigure({
      check: "SES outage, DLQ, redrive",
      tried:
        `${recipients.length} recipients while SES answered ServiceUnavailable (${proxy.faults()} refused sends), ` +
        "then `npm run redrive -- --queue SendDlq`",
      count: recipients.length,
      lost: missing.length,
      notes:
        `retries after ${average(gaps.map((g) => g[0]!))} s then ${average(gaps.map((g) => g[1]!))} s; ` +
        `${recipients.length} in the DLQ, all redriven; duplicates ${duplicates}`,
    });
  }, 120_000);
});

describe("SNS redelivering the same bounce", () => {
  it("records one event and makes one state change for five deliveries of one notification", async () => {
    const email = uniqueEmail("bounced");
    recordSecrets(email);
    expect((await postForm(`${base}/api/registration`, { email })).status).toBe(201);
    const before = (await (await fetch(`${base}/api/registration/unique`)).json()) as { count: number; active: number };
    const notification = readFileSync(
      new URL("../fixtures/ses/identity-bounce-permanent.json", import.meta.url),
      "utf8",
    ).replaceAll("recipient@example.com", email);
    const sns = new SNSClient({});
    for (let i = 0; i < 5; i++)
      await sns.send(new PublishCommand({ TopicArn: provisioned.topics.SesEvents, Message: notification }));

    const store = createDynamoSesEventStore({
      db: createDocumentClient(),
      registrationsTable: provisioned.tables.Registrations!,
      stateTable: provisioned.tables.State!,
    });
    await eventually(
      async () => ((await addressHistory(store, email)).length > 0 ? true : undefined),
      20_000,
      "the bounce",
    );
    // Let all five deliveries through the topic's queue and handler.
    await eventually(
      async () => {
        const queue = provisioned.deliveries[0]!.queue.url;
        const { Attributes } = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: queue,
            AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
          }),
        );
        return Number(Attributes!.ApproximateNumberOfMessages) +
          Number(Attributes!.ApproximateNumberOfMessagesNotVisible) ===
          0
          ? true
          : undefined;
      },
      20_000,
      "the five deliveries",
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const history = await addressHistory(store, email);
    const after = (await (await fetch(`${base}/api/registration/unique`)).json()) as { count: number; active: number };
    expect(history).toEqual([expect.objectContaining({ type: "Bounce", effect: "bounced" })]);
    expect(after).toEqual({ count: before.count, active: before.active - 1 });
    recordFigure({
      check: "SNS redelivers a bounce 5 times",
      tried: "the same permanent bounce published 5 times",
      count: 5,
      lost: 0,
      notes: `${history.length} event recorded, active ${before.active} → ${after.active}`,
    });
  }, 60_000);
});
