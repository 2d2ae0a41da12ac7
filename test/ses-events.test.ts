import { readFileSync } from "node:fs";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { createDynamoBroadcastStore } from "@oemr-reg/core/broadcast/dynamo-store";
import { createDynamoRegistrationStore, normalizeEmail, register } from "@oemr-reg/core/registration";
import { stack } from "@oemr-reg/core/resources";
import {
  addressHistory,
  createDynamoSesEventStore,
  createSesEventsHandler,
  type HistoryEntry,
  parseSesNotification,
} from "@oemr-reg/core/ses-events";
import { deliveryKey } from "@oemr-reg/core/state/keys";
import { handler } from "@oemr-reg/functions/ses-events";
import { startConsumers } from "@oemr-reg/local/consumers";
import type { SNSEvent } from "aws-lambda";
import { Resource } from "sst";
import { afterAll, describe, expect, it } from "vitest";
import { uniqueEmail } from "./support/serve.ts";
import { eventually, testStack } from "./support/stack.ts";

const db = createDocumentClient();
const tables = { registrationsTable: Resource.Registrations.name, stateTable: Resource.State.name };
const registrations = createDynamoRegistrationStore({ db, ...tables });
const sesEvents = createDynamoSesEventStore({ db, ...tables });
// These tests register new addresses only, which never asks for a confirmation.
const noConfirmations = { send: () => Promise.reject(new Error("no confirmation expected")) };

// Every notification gets a later time than the one before, as SES would stamp them, from a day
// ago: the history entries they make expire historyRetentionDays after that time, and the stack's
// TTL sweep would delete entries stamped years back while this file reads them.
let clock = Date.now() - 24 * 60 * 60 * 1000;
const tick = () => {
  clock += 1_000;
  return new Date(clock).toISOString();
};
const newMessageId = () =>
  `0100018d${crypto.randomUUID().replaceAll("-", "").slice(0, 8)}-${crypto.randomUUID()}-000000`;

const EVENT_OBJECTS = ["bounce", "complaint", "delivery", "deliveryDelay"];

/** An AWS-format fixture from test/fixtures/ses, addressed to `email`, for message `messageId`, at `at`. */
function notification(
  name: string,
  { email, messageId = newMessageId(), at = tick() }: { email: string; messageId?: string; at?: string },
): string {
  const text = readFileSync(new URL(`./fixtures/ses/${name}.json`, import.meta.url), "utf8").replaceAll(
    "recipient@example.com",
    email,
  );
  const json = JSON.parse(text);
  if (json.mail) {
    json.mail.messageId = messageId;
    json.mail.timestamp = at;
  }
  for (const key of EVENT_OBJECTS) if (json[key]) json[key].timestamp = at;
  return JSON.stringify(json);
}

/** What SNS hands a Lambda subscriber: one record per message. */
function snsEvent(...messages: string[]): SNSEvent {
  return {
    Records: messages.map((Message) => ({
      EventSource: "aws:sns",
      EventVersion: "1.0",
      EventSubscriptionArn: `${testStack().topics.SesEvents}:${crypto.randomUUID()}`,
      Sns: {
        Type: "Notification",
        MessageId: crypto.randomUUID(),
        TopicArn: testStack().topics.SesEvents!,
        Subject: undefined,
        Message,
        Timestamp: new Date().toISOString(),
        SignatureVersion: "1",
        Signature: "EXAMPLE",
        SigningCertUrl: "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-EXAMPLE.pem",
        UnsubscribeUrl: "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
        MessageAttributes: {},
      },
    })),
  };
}

async function deliver(...messages: string[]): Promise<void> {
  await handler(snsEvent(...messages));
}

/** A new registration, as typed by its owner (mixed case), returned as typed. */
async function registered(label = "Admin"): Promise<string> {
  const email = uniqueEmail(label);
  await register(
    registrations,
    { email, version: "7.0.3", distribution: "docker" },
    { sourceIp: "203.0.113.7", now: new Date(), confirmations: noConfirmations },
  );
  return email;
}

async function stored(email: string) {
  const { Item } = await db.send(
    new GetCommand({
      TableName: tables.registrationsTable,
      Key: { email: normalizeEmail(email) },
      ConsistentRead: true,
    }),
  );
  return Item;
}

function history(email: string): Promise<HistoryEntry[]> {
  return addressHistory(sesEvents, email);
}

const broadcasts = createDynamoBroadcastStore({ db, stateTable: tables.stateTable });

/** A broadcast that sent one email, to the normalized `recipient`, as a sender leaves it. */
async function sentBroadcastTo(recipient: string) {
  const broadcastId = crypto.randomUUID();
  const sesMessageId = newMessageId();
  const now = new Date();
  await broadcasts.create({
    broadcastId,
    content: { title: "OpenEMR 7.0.3", contents: "Patch now." },
    totalSegments: 1,
    now,
  });
  await broadcasts.addRecipients({ broadcastId, createdAt: now.toISOString(), now }, [recipient]);
  expect(await broadcasts.claimDelivery(broadcastId, recipient, new Date(now.getTime() + 60_000), now)).toBe("claimed");
  await broadcasts.completeDeliveries(
    [{ broadcastId, email: recipient, outcome: { status: "sent", sesMessageId } }],
    now,
  );
  return { broadcastId, sesMessageId };
}

describe("parseSesNotification", () => {
  const email = "Recipient@Example.com";

  it.each([
    ["identity-bounce-permanent", "Bounce", { bounceType: "Permanent", bounceSubType: "General", status: "5.1.1" }],
    ["identity-bounce-transient", "Bounce", { bounceType: "Transient", bounceSubType: "MailboxFull", status: "4.2.2" }],
    ["identity-complaint", "Complaint", { feedbackType: "abuse", diagnostic: "abuse" }],
    ["identity-delivery", "Delivery", { diagnostic: expect.stringMatching(/^250 /) }],
    ["event-bounce", "Bounce", { bounceType: "Permanent", broadcastId: "b5d1c0de-7f3e-4b6a-9a51-1c2d3e4f5a6b" }],
    ["event-complaint", "Complaint", { feedbackType: "abuse", broadcastId: "b5d1c0de-7f3e-4b6a-9a51-1c2d3e4f5a6b" }],
    ["event-delivery", "Delivery", { broadcastId: "b5d1c0de-7f3e-4b6a-9a51-1c2d3e4f5a6b" }],
    ["event-reject", "Reject", { diagnostic: "Bad content" }],
    ["event-delivery-delay", "DeliveryDelay", { delayType: "TransientCommunicationFailure", status: "4.4.1" }],
  ])("reads %s as one %s event for the lower-cased recipient", (name, type, fields) => {
    const at = "2024-01-24T00:38:42.126Z";
    const parsed = parseSesNotification(notification(name, { email, messageId: "msg-1", at }));
    expect(parsed).toEqual({
      kind: "events",
      events: [
        expect.objectContaining({
          type,
          email: "recipient@example.com",
          sesMessageId: "msg-1",
          occurredAt: at,
          ...fields,
        }),
      ],
    });
  });

  it("yields one event per recipient of a notification, and strips a display name", () => {
    const json = JSON.parse(notification("identity-delivery", { email }));
    json.delivery.recipients = ["Jane Doe <Jane@Example.org>", "bob@example.org"];
    const parsed = parseSesNotification(JSON.stringify(json));
    expect(parsed.kind === "events" && parsed.events.map((event) => event.email)).toEqual([
      "jane@example.org",
      "bob@example.org",
    ]);
  });

  it("skips what is not JSON, of an unknown type, or not the documented shape, saying why", () => {
    expect(parseSesNotification("not json {")).toEqual({ kind: "skipped", reason: "not JSON" });
    expect(parseSesNotification("42")).toEqual({ kind: "skipped", reason: "not an object" });
    expect(parseSesNotification(JSON.stringify({ eventType: "Teleport", mail: {} }))).toEqual({
      kind: "skipped",
      reason: 'unknown type "Teleport"',
    });
    // Identity notifications have no Reject: only event publishing does.
    expect(parseSesNotification(JSON.stringify({ notificationType: "Reject" }))).toMatchObject({
      kind: "skipped",
      reason: 'unknown type "Reject"',
    });
    expect(parseSesNotification(JSON.stringify({ foo: 1 }))).toMatchObject({ kind: "skipped" });
    const broken = JSON.parse(notification("identity-bounce-permanent", { email }));
    broken.bounce.bounceType = "Sideways";
    delete broken.mail.messageId;
    const parsed = parseSesNotification(JSON.stringify(broken));
    expect(parsed).toEqual({ kind: "skipped", reason: "malformed Bounce: mail.messageId, bounce.bounceType" });
    expect(JSON.stringify(parsed)).not.toContain("example.com");
  });

  it("ignores documented kinds that say nothing about deliverability", () => {
    expect(parseSesNotification(notification("event-send", { email }))).toEqual({ kind: "ignored", type: "Send" });
    expect(parseSesNotification(notification("subscription-succeeded", { email }))).toEqual({
      kind: "ignored",
      type: "AmazonSnsSubscriptionSucceeded",
    });
  });
});

describe("the SES events handler", () => {
  it(
    "marks an address bounced on a permanent bounce (identity notification) " + "and records it with its diagnostic",
    async () => {
      const email = await registered();
      const messageId = newMessageId();
      const at = tick();
      await deliver(notification("identity-bounce-permanent", { email, messageId, at }));

      expect(await stored(email)).toMatchObject({ status: "bounced", statusChangedAt: expect.any(String) });
      expect(await history(email)).toEqual([
        {
          email: normalizeEmail(email),
          type: "Bounce",
          occurredAt: at,
          sesMessageId: messageId,
          diagnostic: "smtp; 550 5.1.1 user unknown",
          bounceType: "Permanent",
          bounceSubType: "General",
          smtpStatus: "5.1.1",
          effect: "bounced",
          recordedAt: expect.any(String),
          // The history entry's lifetime (docs/privacy.md): historyRetentionDays after it happened.
          expiresAt: expect.any(Number),
        },
      ]);
    },
  );

  it("marks an address bounced on a permanent bounce (event publishing) and keeps the broadcast tag", async () => {
    const email = await registered();
    await deliver(notification("event-bounce", { email }));
    expect((await stored(email))?.status).toBe("bounced");
    expect(await history(email)).toEqual([
      expect.objectContaining({ effect: "bounced", broadcastId: "b5d1c0de-7f3e-4b6a-9a51-1c2d3e4f5a6b" }),
    ]);
  });

  it("matches the address whatever its letter case in the notification", async () => {
    const email = await registered("MixedCase");
    await deliver(notification("identity-bounce-permanent", { email: email.toUpperCase() }));
    expect((await stored(email))?.status).toBe("bounced");
    expect(await history(email.toUpperCase())).toHaveLength(1);
  });

  it.each(["identity-complaint", "event-complaint"])(
    "marks an address complained on a complaint (%s)",
    async (name) => {
      const email = await registered();
      await deliver(notification(name, { email }));
      expect((await stored(email))?.status).toBe("complained");
      expect(await history(email)).toEqual([
        expect.objectContaining({ type: "Complaint", effect: "complained", diagnostic: "abuse" }),
      ]);
    },
  );

  it("lets a complaint override a bounce, and a bounce never undo a complaint", async () => {
    const bouncedFirst = await registered();
    await deliver(
      notification("identity-bounce-permanent", { email: bouncedFirst }),
      notification("identity-complaint", { email: bouncedFirst }),
    );
    expect((await stored(bouncedFirst))?.status).toBe("complained");

    const complainedFirst = await registered();
    await deliver(
      notification("identity-complaint", { email: complainedFirst }),
      notification("identity-bounce-permanent", { email: complainedFirst }),
    );
    expect((await stored(complainedFirst))?.status).toBe("complained");
    expect((await history(complainedFirst)).map((entry) => entry.effect)).toEqual(["complained", "none"]);
  });

  it("counts transient bounces and marks the address bounced at the third in a row", async () => {
    const email = await registered();
    await deliver(notification("identity-bounce-transient", { email }));
    await deliver(notification("event-bounce-transient", { email }));
    expect(await stored(email)).toMatchObject({ status: "active", transientBounces: 2 });

    await deliver(notification("identity-bounce-transient", { email }));
    expect(await stored(email)).toMatchObject({ status: "bounced", transientBounces: 3 });
    expect((await history(email)).map((entry) => entry.effect)).toEqual(["counted", "counted", "bounced"]);
  });

  it("starts the count again after a delivery between transient bounces", async () => {
    const email = await registered();
    await deliver(notification("identity-bounce-transient", { email }));
    await deliver(notification("identity-bounce-transient", { email }));
    await deliver(notification("identity-delivery", { email }));
    expect(await stored(email)).toMatchObject({ status: "active", transientBounces: 0 });

    await deliver(notification("identity-bounce-transient", { email }));
    await deliver(notification("event-bounce-transient", { email }));
    expect(await stored(email)).toMatchObject({ status: "active", transientBounces: 2 });
    expect((await history(email)).map((entry) => `${entry.type}:${entry.effect}`)).toEqual([
      "Bounce:counted",
      "Bounce:counted",
      "Delivery:reset",
      "Bounce:counted",
      "Bounce:counted",
    ]);
  });

  it("does not count a transient bounce that happened before the last delivery (SNS out of order)", async () => {
    const email = await registered();
    const earlier = tick();
    await deliver(notification("identity-delivery", { email }));
    await deliver(notification("identity-bounce-transient", { email, at: earlier }));
    expect(await stored(email)).toMatchObject({ status: "active", transientBounces: 0 });
    expect((await history(email)).map((entry) => `${entry.type}:${entry.effect}`)).toEqual([
      "Bounce:none",
      "Delivery:none",
    ]);
  });

  it("treats a transient bounce with status 5.4.4 as permanent", async () => {
    const email = await registered();
    await deliver(notification("identity-bounce-5.4.4", { email }));
    expect((await stored(email))?.status).toBe("bounced");
    expect(await history(email)).toEqual([
      expect.objectContaining({ bounceType: "Transient", smtpStatus: "5.4.4", effect: "bounced" }),
    ]);
  });

  it("records rejects and delivery delays without changing the address", async () => {
    const email = await registered();
    await deliver(notification("identity-bounce-transient", { email }));
    await deliver(notification("event-reject", { email }), notification("event-delivery-delay", { email }));
    expect(await stored(email)).toMatchObject({ status: "active", transientBounces: 1 });
    expect(await history(email)).toEqual([
      expect.objectContaining({ type: "Bounce", effect: "counted" }),
      expect.objectContaining({ type: "Reject", effect: "none", diagnostic: "Bad content" }),
      expect.objectContaining({
        type: "DeliveryDelay",
        effect: "none",
        smtpStatus: "4.4.1",
        diagnostic: "smtp; 421 4.4.1 Unable to connect to remote host",
      }),
    ]);
  });

  it("changes nothing when SNS delivers a notification again", async () => {
    const email = await registered();
    const transient = notification("identity-bounce-transient", { email });
    await deliver(transient);
    const before = await stored(email);
    await deliver(transient, transient);
    await deliver(transient);
    expect(await stored(email)).toEqual(before);
    expect(before).toMatchObject({ status: "active", transientBounces: 1 });
    expect(await history(email)).toHaveLength(1);

    // Three copies of one transient bounce are one bounce, not three in a row.
    await Promise.all([deliver(transient), deliver(transient), deliver(transient)]);
    expect(await stored(email)).toMatchObject({ status: "active", transientBounces: 1 });
    expect(await history(email)).toHaveLength(1);
  });

  it("applies concurrent events for one address one after the other", async () => {
    const email = await registered();
    await Promise.all([1, 2, 3].map(() => deliver(notification("identity-bounce-transient", { email }))));
    expect(await stored(email)).toMatchObject({ status: "bounced", transientBounces: 3 });
    expect((await history(email)).map((entry) => entry.effect).sort()).toEqual(["bounced", "counted", "counted"]);
  });

  it("marks a broadcast's delivery record delivered, and only once", async () => {
    const email = await registered();
    const recipient = normalizeEmail(email);
    const { broadcastId, sesMessageId } = await sentBroadcastTo(recipient);

    const at = tick();
    const delivered = notification("event-delivery", { email, messageId: sesMessageId, at });
    await deliver(delivered);
    await deliver(delivered);
    const { Item } = await db.send(
      new GetCommand({ TableName: tables.stateTable, Key: deliveryKey(broadcastId, recipient), ConsistentRead: true }),
    );
    // Still "sent" for the broadcast's own bookkeeping; delivered at the time SES reported.
    expect(Item).toMatchObject({ status: "sent", deliveredAt: at });
    expect(await history(email)).toEqual([expect.objectContaining({ type: "Delivery", sesMessageId, effect: "none" })]);
  });

  it("counts a complaint of a broadcast's email on that broadcast, once however often SNS delivers it", async () => {
    const email = await registered();
    const { broadcastId, sesMessageId } = await sentBroadcastTo(normalizeEmail(email));
    const complaint = notification("event-complaint", { email, messageId: sesMessageId });
    await deliver(complaint);
    await deliver(complaint);
    // The same complaint reported again in the other format, at another time: recorded, not counted again.
    await deliver(notification("identity-complaint", { email, messageId: sesMessageId }));
    expect(await broadcasts.get(broadcastId)).toMatchObject({ complaints: 1, hardBounces: 0, unsubscribes: 0 });
    expect(await stored(email)).toMatchObject({ status: "complained" });
    expect((await history(email)).map((entry) => entry.type)).toEqual(["Complaint", "Complaint"]);
    const { Item } = await db.send(
      new GetCommand({ TableName: tables.stateTable, Key: deliveryKey(broadcastId, normalizeEmail(email)) }),
    );
    expect(Item?.complainedAt).toBeDefined();
  });

  it("records an event for an address nobody registered, and acknowledges it", async () => {
    const email = uniqueEmail("stranger");
    await expect(deliver(notification("identity-bounce-permanent", { email }))).resolves.toBeUndefined();
    expect(await stored(email)).toBeUndefined();
    expect(await history(email)).toEqual([expect.objectContaining({ type: "Bounce", effect: "unregistered" })]);
  });

  it("skips malformed and unknown records and still applies the others of the same event", async () => {
    const bounced = await registered();
    const complained = await registered();
    await expect(
      deliver(
        "this is not JSON",
        notification("identity-bounce-permanent", { email: bounced }),
        JSON.stringify({ eventType: "Teleport", mail: { messageId: "x", destination: [] } }),
        notification("event-send", { email: bounced }),
        notification("event-complaint", { email: complained }),
      ),
    ).resolves.toBeUndefined();
    expect((await stored(bounced))?.status).toBe("bounced");
    expect((await stored(complained))?.status).toBe("complained");
    expect(await history(bounced)).toHaveLength(1);
  });

  it("throws when the table cannot be written, so that SNS retries the event", async () => {
    const broken = createSesEventsHandler({
      store: createDynamoSesEventStore({
        db,
        registrationsTable: "oemr-reg-missing-Registrations",
        stateTable: "oemr-reg-missing-State",
      }),
    });
    const email = await registered();
    await expect(broken(snsEvent(notification("identity-bounce-permanent", { email })))).rejects.toThrow();
    expect((await stored(email))?.status).toBe("active");
  });
});

describe("the SES events topic, run by the local runner", () => {
  it("delivers a notification published to the topic to the handler, which applies it", async () => {
    const polling = new AbortController();
    // The topic subscribers only: the queue consumers need the email module, not on this branch.
    const { stopped } = await startConsumers({ ...stack, queues: {} }, testStack(), new SQSClient({}), polling.signal);
    afterAll(async () => {
      polling.abort();
      await stopped;
    });

    const email = await registered();
    await new SNSClient({}).send(
      new PublishCommand({
        TopicArn: testStack().topics.SesEvents,
        Message: notification("event-complaint", { email }),
      }),
    );
    await eventually(
      async () => ((await stored(email))?.status === "complained" ? true : undefined),
      20_000,
      "the complaint to be applied",
    );
    expect(await history(email)).toEqual([expect.objectContaining({ type: "Complaint", effect: "complained" })]);
  });
});
