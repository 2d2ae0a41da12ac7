import { SESClient } from "@aws-sdk/client-ses";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import {
  createDynamoBroadcastStore,
  createDynamoSendPacer,
  createSender,
  createSendHandler,
  createSesMailer,
  type Mailer,
  readProgress,
} from "@oemr-reg/core/broadcast";
import { packRendered } from "@oemr-reg/core/broadcast/rendered-parts";
import { createPgpSigner } from "@oemr-reg/core/email";
import { createDynamoRegistrationStore, type RegistrationStatus } from "@oemr-reg/core/registration";
import { deliveryKey } from "@oemr-reg/core/state/keys";
import { lambdaContext, sqsEvent } from "@oemr-reg/local/lambda-events";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { uniqueEmail } from "./support/serve.ts";
import { emailsWithSubject, testStack } from "./support/stack.ts";

// The send handler built from the same parts as packages/functions/src/send.ts, with two seams of
// our own: the mailer (to act as another sender at the moment of sending) and `retryLater`.
const db = createDocumentClient();
const stateTable = Resource.State.name;
const broadcasts = createDynamoBroadcastStore({ db, stateTable });
const registrations = createDynamoRegistrationStore({
  db,
  registrationsTable: Resource.Registrations.name,
  stateTable,
});
const ses = createSesMailer(new SESClient({ maxAttempts: 1 }));
const signer = createPgpSigner({ privateKey: Resource.SigningKey.value });

function sendHandler({ mailer = ses, retried = [] as string[] }: { mailer?: Mailer; retried?: string[] } = {}) {
  return createSendHandler({
    broadcasts,
    sender: createSender({
      broadcasts,
      registrations,
      mailer,
      from: "noreply@test.example.org",
      publicUrl: "https://reg.test.example.org",
      unsubscribeKey: "test-unsubscribe-key-0123456789",
      signer,
    }),
    pacer: createDynamoSendPacer({ db, stateTable, ratePerSecond: 200 }),
    retryLater: async (receiptHandle) => void retried.push(receiptHandle),
  });
}

const context = { ...lambdaContext, getRemainingTimeInMillis: () => 30_000 };

/** Registers these addresses with these statuses, and starts a broadcast to all of them. */
async function broadcastTo(
  statuses: (RegistrationStatus | "unregistered")[],
  rendered?: Uint8Array,
): Promise<{ broadcastId: string; title: string; emails: string[] }> {
  const emails = statuses.map((status) => uniqueEmail(status).toLowerCase());
  await Promise.all(
    statuses.map(async (status, index) => {
      if (status === "unregistered") return;
      const email = emails[index]!;
      await registrations.add({
        email,
        address: email,
        productId: crypto.randomUUID(),
        version: undefined,
        distribution: undefined,
        registeredAt: new Date().toISOString(),
        status: "active",
        sourceIp: undefined,
      });
      if (status !== "active") {
        const entry = {
          email,
          type: "Unsubscribed" as const,
          at: new Date().toISOString(),
          from: "active" as const,
          to: status,
        };
        expect(
          await registrations.changeStatus({ email, from: "active", counted: true, to: status, at: entry.at, entry }),
        ).toBe(true);
      }
    }),
  );
  const broadcastId = crypto.randomUUID();
  const title = `Batch ${broadcastId}`;
  await broadcasts.create({
    broadcastId,
    content: { title, contents: "Patch now.", ...(rendered && { rendered }) },
    totalSegments: 1,
    now: new Date(),
  });
  await broadcasts.markSending(broadcastId, new Date());
  const page = { broadcastId, createdAt: new Date().toISOString(), now: new Date() };
  expect(await broadcasts.addRecipients(page, emails)).toEqual(emails);
  await broadcasts.completeSegment(broadcastId, 0);
  return { broadcastId, title, emails };
}

async function counters(broadcastId: string) {
  const { status } = (await broadcasts.get(broadcastId))!;
  const { sent, skipped, failed, pending } = await readProgress(db, stateTable, broadcastId);
  return { status, sent, skipped, failed, pending };
}

async function delivery(broadcastId: string, email: string) {
  const { Item } = await db.send(
    new GetCommand({ TableName: stateTable, Key: deliveryKey(broadcastId, email), ConsistentRead: true }),
  );
  return Item!;
}

describe("the send handler with a batch of ten", () => {
  it("sends to the active recipients, skips the unsubscribed and the unregistered, and counts each once", async () => {
    const statuses = [
      "active",
      "unsubscribed",
      "active",
      "active",
      "unregistered",
      "active",
      "bounced",
      "active",
      "active",
      "active",
    ] as const;
    const { broadcastId, title, emails } = await broadcastTo([...statuses]);
    const event = sqsEvent(
      testStack().queues.Send!.arn,
      emails.map((email) => ({ broadcastId, email })),
    );

    expect(await sendHandler()(event, context)).toEqual({ batchItemFailures: [] });

    const active = emails.filter((_, index) => statuses[index] === "active");
    expect((await emailsWithSubject(title)).map((email) => email.destination.to[0]).sort()).toEqual(active.sort());
    expect(await counters(broadcastId)).toEqual({ status: "done", sent: 7, skipped: 3, failed: 0, pending: 0 });
    expect((await delivery(broadcastId, emails[1]!)).reason).toBe("unsubscribed");
    expect((await delivery(broadcastId, emails[4]!)).reason).toBe("not registered");
  });

  it("sends the parts rendered at the start, and renders a broadcast stored without them itself", async () => {
    const kept = "Kept with the broadcast";
    const parts = { subject: "Rendered at start", html: `<p>${kept}</p>`, text: kept };
    const packed = packRendered({ title: "t", contents: "Patch now." }, parts)!;
    const started = await broadcastTo(["active"], packed);
    const older = await broadcastTo(["active"]);
    for (const { broadcastId, emails } of [started, older]) {
      const event = sqsEvent(testStack().queues.Send!.arn, [{ broadcastId, email: emails[0]! }]);
      expect(await sendHandler()(event, context)).toEqual({ batchItemFailures: [] });
    }
    const [sent] = await emailsWithSubject(parts.subject);
    expect(sent?.destination.to[0]).toBe(started.emails[0]);
    expect(sent?.body.text).toContain(kept);
    const [rendered] = await emailsWithSubject(older.title);
    expect(rendered?.body.text).toContain("Patch now.");
  });

  it("retries only the record whose recipient another sender holds", async () => {
    const { broadcastId, title, emails } = await broadcastTo(Array(10).fill("active"));
    expect(await broadcasts.claimDelivery(broadcastId, emails[3]!, new Date(Date.now() + 60_000), new Date())).toBe(
      "claimed",
    );
    const event = sqsEvent(
      testStack().queues.Send!.arn,
      emails.map((email) => ({ broadcastId, email })),
    );
    const retried: string[] = [];

    const response = await sendHandler({ retried })(event, context);

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[3]!.messageId }] });
    expect(retried).toEqual([event.Records[3]!.receiptHandle]);
    expect(await emailsWithSubject(title)).toHaveLength(9);
    expect(await counters(broadcastId)).toEqual({ status: "sending", sent: 9, skipped: 0, failed: 0, pending: 1 });
  });

  it("settles the rest of the batch, counted once, when another sender settled one recipient meanwhile", async () => {
    const { broadcastId, title, emails } = await broadcastTo(Array(10).fill("active"));
    const taken = emails[6]!;
    // The lease on `taken` runs out while this sender waits for SES, and another sender settles it
    // first: this sender's settle of `taken` must fail its condition without undoing the others.
    const mailer: Mailer = {
      async sendRaw(raw, tags) {
        if (raw.toString().includes(`To: ${taken}`)) {
          await broadcasts.completeDeliveries(
            [{ broadcastId, email: taken, outcome: { status: "sent", sesMessageId: "other-sender" } }],
            new Date(),
          );
        }
        return ses.sendRaw(raw, tags);
      },
    };
    const event = sqsEvent(
      testStack().queues.Send!.arn,
      emails.map((email) => ({ broadcastId, email })),
    );

    expect(await sendHandler({ mailer })(event, context)).toEqual({ batchItemFailures: [] });

    expect(await counters(broadcastId)).toEqual({ status: "done", sent: 10, skipped: 0, failed: 0, pending: 0 });
    expect((await delivery(broadcastId, taken)).sesMessageId).toBe("other-sender");
    for (const email of emails.filter((email) => email !== taken))
      expect((await delivery(broadcastId, email)).status).toBe("sent");
    // The one duplicate this allows is the documented one: SES took the message before the settle.
    expect(await emailsWithSubject(title)).toHaveLength(10);
  });

  it("fails only a malformed record", async () => {
    const { broadcastId, emails } = await broadcastTo(Array(3).fill("active"));
    const event = sqsEvent(testStack().queues.Send!.arn, [
      ...emails.map((email) => ({ broadcastId, email })),
      { broadcastId, email: 42 },
    ]);
    const retried: string[] = [];

    expect(await sendHandler({ retried })(event, context)).toEqual({
      batchItemFailures: [{ itemIdentifier: event.Records[3]!.messageId }],
    });
    expect(retried).toEqual([event.Records[3]!.receiptHandle]);
    expect(await counters(broadcastId)).toMatchObject({ status: "done", sent: 3, pending: 0 });
  });
});

describe("claiming a batch's deliveries together", () => {
  it(
    "claims the pending ones in one go " + "and tells a finished, a leased, an unknown and a repeated recipient apart",
    async () => {
      const { broadcastId, emails } = await broadcastTo(Array(5).fill("active"));
      const [pending, finished, leased, alsoPending, repeated] = emails as [string, string, string, string, string];
      const now = new Date();
      const lease = new Date(now.getTime() + 60_000);
      expect(
        await broadcasts.claimDeliveries(
          [
            { broadcastId, email: finished },
            { broadcastId, email: leased },
          ],
          lease,
          now,
        ),
      ).toEqual(["claimed", "claimed"]);
      await broadcasts.completeDeliveries(
        [{ broadcastId, email: finished, outcome: { status: "skipped", reason: "test" } }],
        now,
      );

      const claims = await broadcasts.claimDeliveries(
        [pending, finished, leased, "nobody@example.org", alsoPending, repeated, repeated].map((email) => ({
          broadcastId,
          email,
        })),
        lease,
        now,
      );

      expect(claims).toEqual(["claimed", "finished", "busy", "unknown", "claimed", "claimed", "busy"]);
      for (const email of [pending, alsoPending, repeated])
        expect(await delivery(broadcastId, email)).toMatchObject({ status: "sending", attempts: 1 });
    },
  );
});

describe("the sender's status reads", () => {
  it("reads the status once for a batch whose emails wake together after a wait past its trust", async () => {
    const { broadcastId, title, emails } = await broadcastTo(Array.from({ length: 10 }, () => "active" as const));
    let reads = 0;
    const counted = {
      ...broadcasts,
      target: (id: string) => {
        if (id === broadcastId) reads++;
        return broadcasts.target(id);
      },
    };
    // So many slots a second that the batch's ten fall in one millisecond, after 1.2 s of others'.
    const ratePerSecond = 100_000;
    await createDynamoSendPacer({ db, stateTable, ratePerSecond }).reserve(1.2 * ratePerSecond * 0.95, new Date());
    const handler = createSendHandler({
      broadcasts: counted,
      sender: createSender({
        ...{ broadcasts: counted, registrations, mailer: ses, signer },
        ...{ from: "noreply@test.example.org", publicUrl: "https://reg.test.example.org" },
        unsubscribeKey: "test-unsubscribe-key-0123456789",
      }),
      pacer: createDynamoSendPacer({ db, stateTable, ratePerSecond }),
      retryLater: async () => {},
    });
    const event = sqsEvent(
      testStack().queues.Send!.arn,
      emails.map((email) => ({ broadcastId, email })),
    );

    expect(await handler(event, context)).toEqual({ batchItemFailures: [] });
    expect(await emailsWithSubject(title)).toHaveLength(10);
    // Once when claiming, once after the wait.
    expect(reads).toBe(2);
  });
});
