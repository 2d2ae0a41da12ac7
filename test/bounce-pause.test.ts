import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { createAuditLog } from "@oemr-reg/core/audit";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import type { WorkQueue } from "@oemr-reg/core/aws/sqs";
import {
  type Broadcast,
  bouncePauseReason,
  createDynamoBroadcastStore,
  type FanoutTask,
  resumeUnfinishedBroadcasts,
} from "@oemr-reg/core/broadcast";
import { deliveryKey } from "@oemr-reg/core/state/keys";
import { app } from "@oemr-reg/functions/api";
import { handler as sendHandler } from "@oemr-reg/functions/send";
import { handler as sesEventsHandler } from "@oemr-reg/functions/ses-events";
import { lambdaContext, sqsEvent } from "@oemr-reg/local/lambda-events";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { postForm, postJson, serveForFile, uniqueEmail } from "./support/serve.ts";
import { snsEvent } from "./support/ses-events.ts";
import { emailsWithSubject, testStack } from "./support/stack.ts";

const base = await serveForFile(app);
const PIN = Resource.SecretPin.value;
const db = createDocumentClient();
const broadcasts = createDynamoBroadcastStore({ db, stateTable: Resource.State.name });

type Sent = { email: string; sesMessageId: string };

/** A sending broadcast with `count` recipients, each already sent an email, as the senders leave it. */
async function sendingBroadcast(
  count: number,
  title = "OpenEMR 7.0.3",
): Promise<{ broadcastId: string; sent: Sent[] }> {
  const broadcastId = crypto.randomUUID();
  const now = new Date();
  await broadcasts.create({ broadcastId, content: { title, contents: "Patch now." }, totalSegments: 1, now });
  await broadcasts.markSending(broadcastId, now);
  const sent = Array.from({ length: count }, (_, index) => ({
    email: `bounce+${broadcastId.slice(0, 8)}-${index}@simulator.amazonses.com`,
    sesMessageId: `ses-${crypto.randomUUID()}`,
  }));
  await broadcasts.addRecipients(
    { broadcastId, createdAt: now.toISOString(), now },
    sent.map(({ email }) => email),
  );
  // A few at a time: the handlers' client gives up on a connection after a second.
  for (let start = 0; start < sent.length; start += 10) {
    await Promise.all(
      sent.slice(start, start + 10).map(async ({ email, sesMessageId }) => {
        expect(await broadcasts.claimDelivery(broadcastId, email, new Date(Date.now() + 60_000), now)).toBe("claimed");
        await broadcasts.completeDeliveries([{ broadcastId, email, outcome: { status: "sent", sesMessageId } }], now);
      }),
    );
  }
  return { broadcastId, sent };
}

async function bounce(...sent: Sent[]): Promise<void> {
  for (const { email, sesMessageId } of sent) await sesEventsHandler(snsEvent(email, sesMessageId));
}

function resume(broadcastId: string, init: { pin?: string; body?: unknown } = {}) {
  if (init.body !== undefined) return postJson(`${base}/api/registration/broadcast/${broadcastId}/resume`, init.body);
  const headers = init.pin === undefined ? undefined : { "X-Secret-Pin": init.pin };
  return fetch(`${base}/api/registration/broadcast/${broadcastId}/resume`, { method: "POST", headers });
}

async function deliveryStatus(broadcastId: string, email: string): Promise<string | undefined> {
  const { Item } = await db.send(
    new GetCommand({ TableName: Resource.State.name, Key: deliveryKey(broadcastId, email), ConsistentRead: true }),
  );
  return Item?.status;
}

describe("hard bounces of a broadcast's emails", () => {
  it(
    "are counted on the broadcast once per recipient, " + "however often SNS delivers one and however many SES sends",
    async () => {
      const { broadcastId, sent } = await sendingBroadcast(3);
      const [first, second] = sent as [Sent, Sent];
      const redelivered = snsEvent(first.email, first.sesMessageId);
      await sesEventsHandler(redelivered);
      await Promise.all([sesEventsHandler(redelivered), sesEventsHandler(redelivered)]);
      // Distinct notifications (their own times) about one recipient's email: one bounced address.
      await bounce(second, second);
      await Promise.all([bounce(second), bounce(second)]);
      expect(await broadcasts.get(broadcastId)).toMatchObject({ status: "sending", hardBounces: 2 });
      const { Item } = await db.send(
        new GetCommand({
          TableName: Resource.State.name,
          Key: deliveryKey(broadcastId, second.email),
          ConsistentRead: true,
        }),
      );
      expect(Item).toMatchObject({ status: "sent", hardBouncedAt: expect.any(String) });
    },
  );

  it(
    "are the only events counted: " + "not auto-responses, complaints, or a bounce of another recipient's message id",
    async () => {
      const { broadcastId, sent } = await sendingBroadcast(2);
      const [first, second] = sent as [Sent, Sent];
      await sesEventsHandler(
        snsEvent("ooto@simulator.amazonses.com", first.sesMessageId, first.email.replace("bounce+", "ooto+")),
      );
      await sesEventsHandler(
        snsEvent(
          "complaint@simulator.amazonses.com",
          second.sesMessageId,
          second.email.replace("bounce+", "complaint+"),
        ),
      );
      // A bounce naming an address the message was not sent to says nothing about this broadcast.
      await sesEventsHandler(
        snsEvent("bounce@simulator.amazonses.com", first.sesMessageId, "bounce+other@simulator.amazonses.com"),
      );
      expect(await broadcasts.get(broadcastId)).toMatchObject({ status: "sending", hardBounces: 0 });
    },
  );

  it("pause the broadcast once they pass both 10 addresses and 10% of what it sent, saying why", async () => {
    const { broadcastId, sent } = await sendingBroadcast(120);
    await bounce(...sent.slice(0, 12));
    // 12 of 120 is 10%, not over it.
    expect(await broadcasts.get(broadcastId)).toMatchObject({ status: "sending", hardBounces: 12 });

    await bounce(sent[12]!);
    const paused = await broadcasts.get(broadcastId);
    expect(paused).toMatchObject({ status: "paused", hardBounces: 13, pausedAt: expect.any(String) });
    expect(paused!.pausedReason).toBe("13 hard bounces out of 120 emails sent: over 10 and over 10%");

    await bounce(...sent.slice(13, 20));
    expect(await broadcasts.get(broadcastId)).toMatchObject({
      status: "paused",
      hardBounces: 20,
      pausedReason: paused!.pausedReason,
    });
    // Paused once, so recorded once, as the service's own act.
    const audit = createAuditLog({ db, stateTable: Resource.State.name, retentionDays: 730 });
    const records = (await audit.page({ action: "broadcast.paused" })).records;
    expect(records.filter((record) => record.object === broadcastId)).toMatchObject([{ actor: { kind: "system" } }]);
  });

  it("do not pause a small broadcast for 10 bounces, however high the rate", async () => {
    const { broadcastId, sent } = await sendingBroadcast(10);
    await bounce(...sent);
    expect(await broadcasts.get(broadcastId)).toMatchObject({ status: "sending", hardBounces: 10 });
  });

  it("count, after a resume, only from the resume on", () => {
    const broadcast = {
      hardBounces: 30,
      sent: 40,
      resumedAt: "2024-01-01T00:00:00.000Z",
      hardBouncesAtResume: 20,
      sentAtResume: 35,
    } as Broadcast;
    expect(bouncePauseReason(broadcast)).toBeUndefined();
    expect(bouncePauseReason({ ...broadcast, hardBounces: 31 })).toBe(
      "11 hard bounces out of 5 emails sent since it was resumed: over 10 and over 10%",
    );
  });
});

describe("a paused broadcast", () => {
  it(
    "is not sent by its senders, which drop the message and leave the recipient pending, " + "until it is resumed",
    async () => {
      const title = `Paused ${crypto.randomUUID()}`;
      const { broadcastId, sent } = await sendingBroadcast(11, title);
      await bounce(...sent);
      expect((await broadcasts.get(broadcastId))?.status).toBe("paused");
      const waiting = uniqueEmail("waiting").toLowerCase();
      expect((await postForm(`${base}/api/registration`, { email: waiting })).status).toBe(201);
      await broadcasts.addRecipients({ broadcastId, createdAt: new Date().toISOString(), now: new Date() }, [waiting]);

      const event = sqsEvent(testStack().queues.Send!.arn, [{ broadcastId, email: waiting }]);
      const context = { ...lambdaContext, getRemainingTimeInMillis: () => 30_000 };
      expect(await sendHandler(event, context)).toEqual({ batchItemFailures: [] });
      expect(await deliveryStatus(broadcastId, waiting)).toBe("pending");
      expect(await emailsWithSubject(title)).toHaveLength(0);
      expect(await broadcasts.finishIfComplete(broadcastId, new Date())).toBe(false);

      // The resume's fan-out queues the recipient again; the sender that just saw "paused" sends it.
      expect((await resume(broadcastId, { pin: PIN })).status).toBe(200);
      expect(await sendHandler(event, context)).toEqual({ batchItemFailures: [] });
      expect(await deliveryStatus(broadcastId, waiting)).toBe("sent");
      expect((await emailsWithSubject(title)).map((email) => email.destination.to[0])).toEqual([waiting]);
    },
  );

  it("is not resumed by the local runner's start: only the board resumes it", async () => {
    const { broadcastId, sent } = await sendingBroadcast(11);
    await bounce(...sent);
    const queued: FanoutTask[] = [];
    const queue: WorkQueue<FanoutTask> = { send: async (tasks) => void queued.push(...tasks) };
    const resumed = await resumeUnfinishedBroadcasts(broadcasts, queue);
    expect(resumed).not.toContain(broadcastId);
    expect(queued.filter((task) => task.broadcastId === broadcastId)).toEqual([]);
  });
});

describe("POST /api/registration/broadcast/:id/resume", () => {
  it("resumes a paused broadcast with the PIN in a header or the JSON body, answering with its progress", async () => {
    const { broadcastId, sent } = await sendingBroadcast(11);
    await bounce(...sent);

    expect((await resume(broadcastId)).status).toBe(401);
    expect((await resume(broadcastId, { pin: "wrong" })).status).toBe(401);
    expect((await broadcasts.get(broadcastId))?.status).toBe("paused");

    const response = await resume(broadcastId, { body: { secretPin: PIN } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      broadcastId,
      status: "sending",
      hardBounces: 11,
      sent: 11,
      pausedReason: expect.stringContaining("11 hard bounces"),
      resumedAt: expect.any(String),
      hardBouncesAtResume: 11,
      sentAtResume: 11,
    });

    const again = await resume(broadcastId, { pin: PIN });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({
      error: "BroadcastNotPausedException",
      message: "The broadcast is sending, not paused",
    });
  });

  it("answers 404 for an unknown broadcast", async () => {
    const response = await resume(crypto.randomUUID(), { pin: PIN });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: "BroadcastNotFoundException" });
  });
});
