import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { stack } from "@oemr-reg/core/resources";
import { describe, expect, inject, it } from "vitest";
import { postForm, postJson, serveForFile, uniqueEmail } from "./support/serve.ts";
import { startSesFaultProxy } from "./support/ses-faults.ts";
import { emailsWithSubject, eventually, ownStack, runStackConsumers } from "./support/stack.ts";

// This file's stack gives up on a send message after three receives, so that a poisoned message
// reaches the dead-letter queue within seconds, and its SES sits behind a proxy that injects faults.
const spec = {
  ...stack,
  queues: { ...stack.queues, Send: { ...stack.queues.Send, dlq: { queue: "SendDlq", retry: 3 } } },
};
const sqs = new SQSClient({});
const PIN = "board-pin-13572468";
const provisioned = await ownStack("faults", { spec, pin: PIN, settings: { sendRate: 200 } });

// Every recipient's first attempt is throttled, as SES does above the account's rate; an address
// with "rejected" in it is refused for good, as SES refuses a message it will never send.
const proxy = await startSesFaultProxy(inject("endpoints").ses, ({ recipient, attempt }) => {
  if (recipient.includes("rejected"))
    return { code: "MessageRejected", message: "Email address is on the suppression list" };
  if (attempt === 1) return { code: "Throttling", message: "Maximum sending rate exceeded." };
  return undefined;
});
process.env.AWS_ENDPOINT_URL_SES = proxy.url;

const { app } = await import("@oemr-reg/functions/api");
const base = await serveForFile(app);
await runStackConsumers(provisioned, spec);

describe("a broadcast while SES throttles and refuses", () => {
  it("retries throttled sends until every recipient has exactly one email and records refusals as failed", async () => {
    const emails = [...Array.from({ length: 20 }, () => uniqueEmail("throttled")), uniqueEmail("rejected")];
    for (const email of emails) expect((await postForm(`${base}/api/registration`, { email })).status).toBe(201);
    const title = `Throttled ${crypto.randomUUID()}`;
    const started = await postJson(`${base}/api/registration/broadcast`, {
      secretPin: PIN,
      title,
      contents: "Patch now.",
    });
    const { broadcastId } = (await started.json()) as { broadcastId: string };

    const done = await eventually(
      async () => {
        const response = await fetch(`${base}/api/registration/broadcast/${broadcastId}`, {
          headers: { "X-Secret-Pin": PIN },
        });
        const body = (await response.json()) as { status: string; sent: number; failed: number; recipients: number };
        return body.status === "done" ? body : undefined;
      },
      60_000,
      "the throttled broadcast",
    );

    expect(done).toMatchObject({ recipients: 21, sent: 20, failed: 1 });
    const delivered = await emailsWithSubject(title);
    expect(delivered).toHaveLength(20);
    expect(new Set(delivered.map((email) => email.destination.to[0])).size).toBe(20);
    expect(proxy.faults()).toBeGreaterThanOrEqual(21);
  }, 90_000);

  it("moves a poisoned send message to the dead-letter queue without holding up the others", async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: provisioned.queues.Send!.url, MessageBody: "{not json" }));
    const title = `Beside poison ${crypto.randomUUID()}`;
    const started = await postJson(`${base}/api/registration/broadcast`, {
      secretPin: PIN,
      title,
      contents: "Still arrives.",
    });
    const { broadcastId } = (await started.json()) as { broadcastId: string };
    const done = await eventually(
      async () => {
        const response = await fetch(`${base}/api/registration/broadcast/${broadcastId}`, {
          headers: { "X-Secret-Pin": PIN },
        });
        const body = (await response.json()) as { status: string; sent: number; recipients: number };
        return body.status === "done" ? body : undefined;
      },
      30_000,
      "the broadcast beside the poisoned message",
    );
    expect((await emailsWithSubject(title)).length).toBe(done.sent);
    expect(done.sent).toBe(done.recipients - 1);

    const dead = await eventually(
      async () => {
        const { Messages } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: provisioned.queues.SendDlq!.url, WaitTimeSeconds: 1 }),
        );
        return Messages?.length ? Messages : undefined;
      },
      45_000,
      "the poisoned message in the DLQ",
    );
    expect(dead[0]!.Body).toBe("{not json");
  }, 60_000);
});
