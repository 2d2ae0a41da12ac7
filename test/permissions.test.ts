import { Agent, createServer, type IncomingHttpHeaders, request } from "node:http";
import type { AddressInfo } from "node:net";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { type Broadcast, FANOUT_SEGMENTS, readProgress } from "@oemr-reg/core/broadcast";
import { createDynamoBroadcastStore } from "@oemr-reg/core/broadcast/dynamo-store";
import { createDraftStore } from "@oemr-reg/core/drafts/store";
import { CONFIRMATION_SUBJECT } from "@oemr-reg/core/email";
import { createDynamoRegistrationStore, register } from "@oemr-reg/core/registration";
import { type FunctionSpec, stack } from "@oemr-reg/core/resources";
import { createDynamoTalliesStore } from "@oemr-reg/core/tallies/snapshot";
import { signToken } from "@oemr-reg/core/tokens";
import type { Invoke } from "@oemr-reg/local/event-source";
import { loadHandler, loadHandlerModule } from "@oemr-reg/local/handlers";
import { invokeSnsHandler, invokeSqsHandler, type SnsHandler, type SqsHandler } from "@oemr-reg/local/invoke";
import { SIMULATOR_DOMAIN, simulatedEvents } from "@oemr-reg/local/simulator-events";
import type { Hono } from "hono";
import { Resource } from "sst";
import { afterAll, describe, expect, inject, it } from "vitest";
import { openEmrRegisters as openEmrPosts, openEmrReport, telemetryPost } from "./support/openemr.ts";
import { postForm, postJson, serveForFile, uniqueEmail } from "./support/serve.ts";
import { startSesFaultProxy } from "./support/ses-faults.ts";
import { emailsWithSubject, eventually, testStack } from "./support/stack.ts";

// Least privilege (issue #14): infra grants each function exactly the `permissions` its spec in
// resources.ts declares. This file runs each function's real handler through its flows, one
// function at a time, with every AWS call it makes passing through a recording proxy in front of
// the emulators, and checks that the (resource, IAM action) pairs it called are exactly those
// declared: nothing granted goes unused, nothing used is missing.
//
// Two paths need a nudge, both taken with the real code and on the wire:
// - the Send function's backoff (`sqs:ChangeMessageVisibility`) runs only when a send fails: SES
//   answers one recipient's sends `Throttling`, as it does above the account's rate
//   (test/support/ses-faults.ts, as in broadcast-faults.test.ts);
// - the Fanout function queues its own continuation (`sqs:SendMessage` on Fanout) only when its
//   invocation nears its timeout: one invocation is handed a Lambda context with 14 s left, as
//   one that scanned for 46 s would have.
// The receives and deletes of a consumer's own queue are SST's event source grants, not the
// function's: the test makes them itself, directly, as Lambda's event source mapping would.

const endpoints = inject("endpoints");
const provisioned = testStack();

type Call = { fn: string; resource: string; action: string };
const calls: Call[] = [];
/** The function whose phase is running: every call recorded meanwhile is its. */
let running: string | undefined;
const OUTSIDE = "(no function running)";

async function runAs<T>(fn: string, work: () => Promise<T>): Promise<T> {
  running = fn;
  try {
    return await work();
  } finally {
    running = undefined;
  }
}

/** The stack's physical names (tables, queue names, topic ARNs) back to their names in resources.ts. */
const names = new Map<string, string>([
  ...Object.entries(provisioned.tables).map(([name, table]): [string, string] => [table, name]),
  ...Object.entries(provisioned.queues).map(([name, { url }]): [string, string] => [lastSegment(url), name]),
  ...Object.entries(provisioned.topics).map(([name, arn]): [string, string] => [arn, name]),
]);
const linkName = (physical: string | undefined) => names.get(physical ?? "") ?? `(not in this stack: ${physical})`;

function lastSegment(url: string): string {
  return new URL(url).pathname.split("/").pop()!;
}

type Describe = (headers: IncomingHttpHeaders, body: Buffer) => [resource: string, action: string][];

/**
 * An HTTP proxy in front of an emulator that records, for the function running, the resource and
 * IAM action of every request, and passes it on (rewritten by `rewrite`) unchanged otherwise.
 */
async function startRecorder(
  upstream: string,
  describe: Describe,
  rewrite: (body: Buffer) => Buffer = (body) => body,
): Promise<string> {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true });
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const body = Buffer.concat(chunks);
      let described: [string, string][];
      try {
        described = describe(incoming.headers, body);
      } catch (error) {
        described = [[upstream, `(unreadable request: ${String(error)})`]];
      }
      for (const [resource, action] of described) calls.push({ fn: running ?? OUTSIDE, resource, action });
      const forwarded = rewrite(body);
      const { "transfer-encoding": _chunked, ...headers } = incoming.headers;
      const onward = request(
        {
          host: target.hostname,
          port: target.port,
          method: incoming.method,
          path: incoming.url,
          agent,
          headers: { ...headers, host: target.host, "content-length": String(forwarded.length) },
        },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      onward.on("error", (error) => {
        outgoing.writeHead(502);
        outgoing.end(String(error));
      });
      onward.end(forwarded);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  afterAll(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    agent.destroy();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const json = (body: Buffer) => JSON.parse(body.toString("utf8")) as Record<string, unknown>;
const operationOf = (headers: IncomingHttpHeaders) =>
  String(headers["x-amz-target"] ?? "")
    .split(".")
    .pop()!;

/** A transaction needs, on each item's table, the action that item performs. */
const TRANSACT_ITEM_ACTIONS: Record<string, string> = {
  Put: "PutItem",
  Update: "UpdateItem",
  Delete: "DeleteItem",
  ConditionCheck: "ConditionCheckItem",
  Get: "GetItem",
};

const dynamodbCalls: Describe = (headers, body) => {
  const operation = operationOf(headers);
  const input = json(body);
  switch (operation) {
    case "BatchGetItem":
    case "BatchWriteItem":
      return Object.keys(input.RequestItems as object).map((table) => [linkName(table), `dynamodb:${operation}`]);
    case "TransactWriteItems":
    case "TransactGetItems":
      return (input.TransactItems as Record<string, { TableName: string }>[]).map((item) => {
        const [kind, action] = Object.entries(item)[0]!;
        return [linkName(action.TableName), `dynamodb:${TRANSACT_ITEM_ACTIONS[kind] ?? kind}`];
      });
    default:
      return [[linkName(input.TableName as string | undefined), `dynamodb:${operation}`]];
  }
};

/** A batch call needs the action of its single form. */
const SQS_BATCH_ACTIONS: Record<string, string> = {
  SendMessageBatch: "SendMessage",
  DeleteMessageBatch: "DeleteMessage",
  ChangeMessageVisibilityBatch: "ChangeMessageVisibility",
};

const sqsCalls: Describe = (headers, body) => {
  const operation = operationOf(headers);
  const queueUrl = json(body).QueueUrl as string | undefined;
  return [[queueUrl ? linkName(lastSegment(queueUrl)) : "*", `sqs:${SQS_BATCH_ACTIONS[operation] ?? operation}`]];
};

// SES (v1) and SNS speak the query protocol: `Action=SendRawEmail&...`. The only SES resource a
// function is linked to is the Mailer (its identity and configuration set).
const sesCalls: Describe = (_headers, body) => [
  ["Mailer", `ses:${new URLSearchParams(body.toString("utf8")).get("Action")}`],
];
const snsCalls: Describe = (headers, body) => {
  const params = headers["x-amz-target"]
    ? new URLSearchParams(Object.entries(json(body)).map(([name, value]): [string, string] => [name, String(value)]))
    : new URLSearchParams(body.toString("utf8"));
  const action = params.get("Action") ?? operationOf(headers);
  return [[linkName(params.get("TopicArn") ?? undefined), `sns:${action}`]];
};

// One recipient's sends are throttled while `throttling` holds.
let throttling = true;
const sesFaults = await startSesFaultProxy(endpoints.ses, ({ recipient }) =>
  throttling && recipient.includes("throttled")
    ? { code: "Throttling", message: "Maximum sending rate exceeded." }
    : undefined,
);
const recorders = {
  dynamodb: await startRecorder(endpoints.dynamodb, dynamodbCalls),
  // Queue URLs are linked through the recorder (below); fauxqs knows its queues by their own URLs.
  sqs: await startRecorder(endpoints.sqs, sqsCalls, (body) => {
    const input = json(body);
    if (typeof input.QueueUrl === "string") input.QueueUrl = `${endpoints.sqs}${new URL(input.QueueUrl).pathname}`;
    return Buffer.from(JSON.stringify(input));
  }),
  sns: await startRecorder(endpoints.sns, snsCalls),
  ses: await startRecorder(sesFaults.url, sesCalls),
};

// The handlers' clients read these on their first call; the SQS client sends to a queue URL's own
// host, so the queues are linked with URLs on the recorder. The test's own clients name the
// emulators directly, so that only the functions' calls are recorded.
Object.assign(process.env, {
  AWS_ENDPOINT_URL_DYNAMODB: recorders.dynamodb,
  AWS_ENDPOINT_URL_SQS: recorders.sqs,
  AWS_ENDPOINT_URL_SNS: recorders.sns,
  AWS_ENDPOINT_URL_SES: recorders.ses,
});
for (const [name, { url }] of Object.entries(provisioned.queues)) {
  const variable = `SST_RESOURCE_${name}`;
  process.env[variable] = JSON.stringify({
    ...JSON.parse(process.env[variable]!),
    url: `${recorders.sqs}${new URL(url).pathname}`,
  });
}
if (!Resource.Send.url.startsWith(recorders.sqs))
  throw new Error("Resource was read before the queues were linked through the recorder");

const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: endpoints.dynamodb }));
const sqs = new SQSClient({ endpoint: endpoints.sqs });
const sns = new SNSClient({ endpoint: endpoints.sns });
const broadcasts = createDynamoBroadcastStore({ db, stateTable: provisioned.tables.State! });

// Every function of the stack, by the name its spec has there, loaded as the local runner loads it.
const functions: Record<string, FunctionSpec> = {
  Api: stack.api,
  ...Object.fromEntries(
    Object.entries(stack.queues).flatMap(([name, queue]) => ("consumer" in queue ? [[name, queue.consumer]] : [])),
  ),
  ...Object.fromEntries(Object.values(stack.topics).flatMap((topic) => Object.entries(topic.subscribers))),
  ...Object.fromEntries(Object.entries(stack.crons).map(([name, cron]) => [name, cron.function])),
};
const { module: apiModule } = await loadHandlerModule(stack.api.handler);
const base = await serveForFile(apiModule.app as Hono);
const fanout = await loadHandler<SqsHandler>(stack.queues.Fanout.consumer.handler);
const send = await loadHandler<SqsHandler>(stack.queues.Send.consumer.handler);
const sesEvents = await loadHandler<SnsHandler>(stack.topics.SesEvents.subscribers.SesEventsHandler.handler);
const requeue = await loadHandler<() => Promise<void>>(stack.crons.Requeue.function.handler);
const countTallies = await loadHandler<() => Promise<void>>(stack.crons.Tallies.function.handler);
const cutSourceIps = await loadHandler<() => Promise<void>>(stack.crons.SourceIps.function.handler);
const embargo = await loadHandler<() => Promise<void>>(stack.crons.Embargo.function.handler);

const PIN = Resource.SecretPin.value;
const withPin = { headers: { "X-Secret-Pin": PIN } };

const openEmrRegisters = (fields: Record<string, string>) => openEmrPosts(base, fields);

async function receive(queueUrl: string, max: number): Promise<Message[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: max,
      WaitTimeSeconds: 1,
      MessageSystemAttributeNames: ["All"],
      MessageAttributeNames: ["All"],
    }),
  );
  return Messages;
}

async function remove(queueUrl: string, messages: Message[]): Promise<void> {
  if (messages.length === 0) return;
  const Entries = messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! }));
  await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries }));
}

async function queueEmpty(queueUrl: string): Promise<boolean> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
      ],
    }),
  );
  return Object.values(Attributes).every((count) => count === "0");
}

/**
 * Feeds a queue to a function as Lambda's event source does (receive a batch, invoke, delete what
 * succeeded), until `done`. Not `runEventSource`: stopping that aborts a receive in flight, which
 * can hide a message for its whole visibility timeout; this loop stops between receives.
 */
async function consume(
  queueUrl: string,
  batchSize: number,
  invoke: Invoke,
  done: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out feeding ${lastSegment(queueUrl)}`);
    const messages = await receive(queueUrl, batchSize);
    if (messages.length === 0) continue;
    const failed = await invoke(messages);
    await remove(
      queueUrl,
      messages.filter((message) => !failed.has(message.MessageId!)),
    );
  }
}

function sqsConsumer(
  name: "Fanout" | "Send",
  handler: SqsHandler,
  timeoutSeconds: number = stack.queues[name].consumer.timeoutSeconds,
): Invoke {
  return invokeSqsHandler({ handler, functionName: name, timeoutSeconds, queueArn: provisioned.queues[name]!.arn });
}

function feed(name: "Fanout" | "Send", handler: SqsHandler, done: () => Promise<boolean>): Promise<void> {
  const { url } = provisioned.queues[name]!;
  return consume(url, stack.queues[name].consumer.batchSize, sqsConsumer(name, handler), done);
}

const progress = async (broadcastId: string): Promise<Broadcast> => (await broadcasts.get(broadcastId))!;
const pending = async (broadcastId: string): Promise<number> =>
  (await readProgress(db, provisioned.tables.State!, broadcastId)).pending;

// Who the broadcast reaches: the mailbox simulator's addresses, so that SES events of every kind
// follow (11 hard bounces pause it), and one address whose sends SES throttles at first.
const tag = crypto.randomUUID().slice(0, 8);
const simulated = [
  ...Array.from({ length: 11 }, (_, i) => `bounce+${tag}-${i}@${SIMULATOR_DOMAIN}`),
  `complaint+${tag}@${SIMULATOR_DOMAIN}`,
  `ooto+${tag}@${SIMULATOR_DOMAIN}`,
  `success+${tag}@${SIMULATOR_DOMAIN}`,
];
const throttled = uniqueEmail("throttled");
const title = `Permissions ${tag}`;
let broadcastId: string;

describe("each function's AWS calls", () => {
  it("the API function, through every route", async () => {
    await runAs("Api", async () => {
      expect((await fetch(`${base}/`)).status).toBe(200);
      expect((await fetch(`${base}/api/health`)).status).toBe(200);

      const upgrader = uniqueEmail("upgrader");
      expect((await openEmrRegisters({ email: upgrader, version: "7.0.3 (4)", distribution: "docker" })).status).toBe(
        201,
      );
      expect((await openEmrRegisters({ email: upgrader })).status).toBe(409);
      expect((await openEmrRegisters({ email: upgrader, version: "7.0.4" })).status).toBe(201);
      for (const email of [...simulated, throttled])
        expect((await postForm(`${base}/api/registration`, { email })).status).toBe(201);
      expect(await (await fetch(`${base}/api/registration/unique`)).json()).toEqual({ count: 16, active: 16 });
      expect((await fetch(`${base}/api/registration/versions`, { headers: { "X-Secret-Pin": "wrong" } })).status).toBe(
        401,
      );
      expect(await (await fetch(`${base}/api/registration/versions`, withPin)).json()).toMatchObject({ active: 16 });

      const siteId = crypto.randomUUID();
      expect((await telemetryPost(base, siteId, JSON.stringify(openEmrReport()))).status).toBe(201);
      expect(await (await fetch(`${base}/api/usage/summary`, withPin)).json()).toMatchObject({ sites: 1 });

      // Unsubscribed, registered again (a confirmation email), confirmed.
      const leaver = uniqueEmail("leaver");
      expect((await postForm(`${base}/api/registration`, { email: leaver })).status).toBe(201);
      const token = await signToken(Resource.UnsubscribeKey.value, { purpose: "unsubscribe", email: leaver });
      const unsubscribe = `${base}/api/registration/unsubscribe/${token}`;
      expect((await fetch(unsubscribe)).status).toBe(200);
      expect((await postForm(unsubscribe, { "List-Unsubscribe": "One-Click" })).status).toBe(200);
      expect((await postForm(`${base}/api/registration`, { email: leaver })).status).toBe(201);
      const confirmation = await eventually(
        async () =>
          (await emailsWithSubject(CONFIRMATION_SUBJECT)).find((email) =>
            email.destination.to.some((to) => to.includes(leaver)),
          ),
        10_000,
        "the confirmation email",
      );
      const confirmPath = /https:\/\/reg\.test\.example\.org(\/api\/registration\/confirm\/[\w.-]+)/.exec(
        confirmation.body.text ?? "",
      )![1];
      expect((await fetch(`${base}${confirmPath}`)).status).toBe(200);
      expect((await postForm(`${base}${confirmPath}`, { confirm: "yes" })).status).toBe(200);

      // Seen, downloaded, unsubscribed and erased by its owner (its history too), erased again by the board.
      const eraser = uniqueEmail("eraser");
      expect((await postForm(`${base}/api/registration`, { email: eraser })).status).toBe(201);
      const yours = `${base}/api/registration/privacy/${await signToken(Resource.UnsubscribeKey.value, {
        purpose: "unsubscribe",
        email: eraser,
      })}`;
      expect((await fetch(yours)).status).toBe(200);
      expect((await fetch(`${yours}/download`)).status).toBe(200);
      expect((await postForm(`${yours}/unsubscribe`, { "List-Unsubscribe": "One-Click" })).status).toBe(200);
      expect((await postForm(`${yours}/erase`, { erase: "yes" })).status).toBe(200);
      expect(
        await (await postJson(`${base}/api/registration/erase`, { secretPin: PIN, email: eraser })).json(),
      ).toEqual({ erased: false, deleted: 0, left: 0 });

      expect(
        (await postJson(`${base}/api/registration/broadcast`, { secretPin: "wrong", title, contents: "Hi" })).status,
      ).toBe(401);
      const started = await postJson(`${base}/api/registration/broadcast`, {
        secretPin: PIN,
        title,
        contents: "# OpenEMR 7.0.4\n\nPlease **upgrade**.",
      });
      expect(started.status).toBe(200);
      ({ broadcastId } = (await started.json()) as { broadcastId: string });
      expect(await (await fetch(`${base}/api/registration/broadcast/${broadcastId}`, withPin)).json()).toMatchObject({
        status: "queued",
      });
      expect(
        (await fetch(`${base}/api/registration/broadcast/${broadcastId}/resume`, { method: "POST", ...withPin }))
          .status,
      ).toBe(409);
    });
  }, 60_000);

  it("the Fanout function, on the fan-out the broadcast queued", async () => {
    const { url } = provisioned.queues.Fanout!;
    await runAs("Fanout", async () => {
      // One invocation near its timeout queues its segment again rather than scanning it.
      const [first] = await eventually(
        async () => {
          const messages = await receive(url, 1);
          return messages.length ? messages : undefined;
        },
        10_000,
        "a fan-out message",
      );
      expect((await sqsConsumer("Fanout", fanout, 14)([first!])).size).toBe(0);
      await remove(url, [first!]);
      await feed("Fanout", fanout, () => queueEmpty(url));
    });
    expect(await progress(broadcastId)).toMatchObject({ status: "sending", recipients: 17 });
    expect(await pending(broadcastId)).toBe(17);
  }, 60_000);

  it("the Send function, with one recipient throttled: the others sent, that one put back with backoff", async () => {
    await runAs("Send", () =>
      feed("Send", send, async () => {
        const { recipients, sent } = await progress(broadcastId);
        return sesFaults.faults() > 0 && sent === recipients - 1;
      }),
    );
    throttling = false;
    expect(await emailsWithSubject(title)).toHaveLength(16);
  }, 60_000);

  it("the SES events function, on each sent email's events: " +
    "deliveries, 11 hard bounces (which pause the broadcast), a complaint", async () => {
    const mails = await emailsWithSubject(title);
    const events = mails.flatMap((mail) => {
      const to = /[^\s<>,;"]+@[^\s<>,;"]+/.exec(mail.destination.to[0]!)![0];
      const sent = {
        messageId: mail.messageId,
        source: "noreply@test.example.org",
        destination: [to],
        subject: mail.subject,
        sentAt: new Date(mail.at * 1000),
        configurationSet: "test",
      };
      return simulatedEvents(sent, to, new Date());
    });
    for (const event of events)
      await sns.send(new PublishCommand({ TopicArn: provisioned.topics.SesEvents!, Message: JSON.stringify(event) }));

    const delivery = provisioned.deliveries.find(({ name }) => name === "SesEventsHandler")!;
    const invoke = invokeSnsHandler({
      handler: sesEvents,
      functionName: delivery.name,
      timeoutSeconds: delivery.timeoutSeconds,
      subscriptionArn: delivery.subscriptionArn,
    });
    let handled = 0;
    const counting: Invoke = async (messages) => {
      const failed = await invoke(messages);
      handled += messages.length - failed.size;
      return failed;
    };
    await runAs("SesEventsHandler", () =>
      consume(delivery.queue.url, 1, counting, async () => handled === events.length),
    );
    expect(await progress(broadcastId)).toMatchObject({ status: "paused", hardBounces: 11 });
  }, 60_000);

  it("the Send function again: the throttled recipient's message, dropped while the broadcast is paused", async () => {
    const { url } = provisioned.queues.Send!;
    await runAs("Send", () => feed("Send", send, () => queueEmpty(url)));
    expect(await progress(broadcastId)).toMatchObject({ status: "paused", sent: 16 });
    expect(await pending(broadcastId)).toBe(1);
  }, 60_000);

  it("the API, Fanout and Send functions once more: resumed, fanned out again, the last email sent", async () => {
    await runAs("Api", async () => {
      const resumed = await fetch(`${base}/api/registration/broadcast/${broadcastId}/resume`, {
        method: "POST",
        ...withPin,
      });
      expect(await resumed.json()).toMatchObject({ status: "sending" });
    });
    await runAs("Fanout", () => feed("Fanout", fanout, () => queueEmpty(provisioned.queues.Fanout!.url)));
    await runAs("Send", () => feed("Send", send, async () => (await progress(broadcastId)).status === "done"));
    expect(await progress(broadcastId)).toMatchObject({ status: "done", recipients: 17, sent: 17, hardBounces: 11 });
    expect(await emailsWithSubject(title)).toHaveLength(17);
  }, 60_000);

  it("the Requeue function, on a broadcast whose fan-out was lost 6 minutes ago", async () => {
    const broadcastId = crypto.randomUUID();
    const sixMinutesAgo = new Date(Date.now() - 6 * 60_000);
    await broadcasts.create({
      broadcastId,
      content: { title: "Lost", contents: "Lost." },
      totalSegments: FANOUT_SEGMENTS,
      now: sixMinutesAgo,
    });
    await runAs("Requeue", () => requeue());
    const requeued = await receive(provisioned.queues.Fanout!.url, 10);
    expect(requeued.map((message) => JSON.parse(message.Body!).broadcastId)).toContain(broadcastId);
    await remove(provisioned.queues.Fanout!.url, requeued);
  });

  it("the Tallies function, counting the whole list and the sites' reports", async () => {
    await runAs("Tallies", () => countTallies());
    const counted = await createDynamoTalliesStore({ db, stateTable: provisioned.tables.State! }).latest();
    const versions = await runAs("Api", async () => (await fetch(`${base}/api/registration/versions`, withPin)).json());
    expect(counted?.versions).toEqual(versions);
    expect(counted?.usage.sites).toBeGreaterThanOrEqual(1);
  });

  it("the SourceIps function, on a registration and an upgrade report of 40 days ago", async () => {
    const registrations = createDynamoRegistrationStore({
      db,
      registrationsTable: provisioned.tables.Registrations!,
      stateTable: provisioned.tables.State!,
    });
    const email = uniqueEmail("old-ip").toLowerCase();
    const now = new Date(Date.now() - 40 * 86_400_000);
    const confirmations = { send: async () => {} };
    await register(registrations, { email }, { sourceIp: "203.0.113.7", now, confirmations });
    await register(registrations, { email, version: "7.0.3" }, { sourceIp: "203.0.113.8", now, confirmations });
    await runAs("SourceIps", () => cutSourceIps());
    expect(await registrations.get(email)).toMatchObject({
      sourceIp: "203.0.113.0/24",
      latestSourceIp: "203.0.113.0/24",
    });
  });

  it("the Embargo function, on an approved draft whose embargo time has passed", async () => {
    const drafts = createDraftStore({ db, stateTable: provisioned.tables.State! });
    const draftId = crypto.randomUUID();
    const sendAt = new Date(Date.now() - 1_000).toISOString();
    await drafts.create(draftId, { title: "Embargoed", contents: "Now.", sendAt }, { kind: "PIN" }, new Date());
    await drafts.transition(draftId, { from: ["draft"], to: "scheduled" });
    await runAs("Embargo", () => embargo());
    expect(await drafts.get(draftId)).toMatchObject({ state: "started" });
    const queued = await receive(provisioned.queues.Fanout!.url, 10);
    await remove(provisioned.queues.Fanout!.url, queued);
  });

  it("made no call outside a function's run", () => {
    expect(calls.filter(({ fn }) => fn === OUTSIDE)).toEqual([]);
  });

  it.each(Object.entries(functions))("%s calls exactly the actions it declares, on what it links", (name, spec) => {
    const observed: Record<string, string[]> = {};
    for (const { resource, action } of calls.filter(({ fn }) => fn === name)) {
      observed[resource] ??= [];
      observed[resource].push(action);
    }
    const sorted = (record: Record<string, readonly string[]>) =>
      Object.fromEntries(Object.entries(record).map(([resource, actions]) => [resource, [...new Set(actions)].sort()]));
    expect(sorted(observed)).toEqual(sorted(spec.permissions ?? {}));
    for (const resource of Object.keys(spec.permissions ?? {})) expect(spec.link).toContain(resource);
  });
});
