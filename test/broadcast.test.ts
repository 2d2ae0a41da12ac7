import { SQSClient } from "@aws-sdk/client-sqs";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { createSqsQueue } from "@oemr-reg/core/aws/sqs";
import { type Broadcast, type FanoutTask, resumeBroadcast } from "@oemr-reg/core/broadcast";
import { verifyToken } from "@oemr-reg/core/tokens";
import { app, handler } from "@oemr-reg/functions/api";
import { handler as sendHandler } from "@oemr-reg/functions/send";
import { httpApiEvent, lambdaContext, sqsEvent } from "@oemr-reg/local/lambda-events";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { checkedHandlerForFile, postForm, postJson, serveForFile, uniqueEmail } from "./support/serve.ts";

const apiHandler = checkedHandlerForFile(handler);

import { emailsWithSubject, eventually, runStackConsumers, testStack } from "./support/stack.ts";

const base = await serveForFile(app);
await runStackConsumers();
const PIN = Resource.SecretPin.value;
const db = createDocumentClient();

async function register(count: number, label: string): Promise<string[]> {
  const emails = Array.from({ length: count }, () => uniqueEmail(label));
  for (let start = 0; start < emails.length; start += 25) {
    const responses = await Promise.all(
      emails.slice(start, start + 25).map((email) => postForm(`${base}/api/registration`, { email })),
    );
    expect(responses.every((response) => response.status === 201)).toBe(true);
  }
  return emails;
}

function broadcast(body: Record<string, unknown>) {
  return postJson(`${base}/api/registration/broadcast`, { secretPin: PIN, ...body });
}

async function progress(broadcastId: string): Promise<Broadcast> {
  const response = await fetch(`${base}/api/registration/broadcast/${broadcastId}`, {
    headers: { "X-Secret-Pin": PIN },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Broadcast;
}

async function untilDone(broadcastId: string): Promise<Broadcast> {
  return eventually(
    async () => {
      const current = await progress(broadcastId);
      return current.status === "done" ? current : undefined;
    },
    60_000,
    `broadcast ${broadcastId} to finish`,
  );
}

async function registered(): Promise<number> {
  return ((await (await fetch(`${base}/api/registration/unique`)).json()) as { count: number }).count;
}

function viaLambda(sourceIp: string, body: Record<string, unknown>) {
  return apiHandler(
    httpApiEvent({
      method: "POST",
      path: "/api/registration/broadcast",
      sourceIp,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
    lambdaContext,
  );
}

describe("POST /api/registration/broadcast", () => {
  it("emails every registered address exactly once, each with its own unsubscribe link", async () => {
    const emails = await register(250, "everyone");
    const total = await registered();
    const title = `Security release ${crypto.randomUUID()}`;
    const response = await broadcast({
      title,
      contents: "# OpenEMR 7.0.3\n\nPlease **upgrade** now: <https://open-emr.org>.",
    });
    expect(response.status).toBe(200);
    const { status, broadcastId } = (await response.json()) as { status: string; broadcastId: string };
    expect(status).toBe("sent");

    const done = await untilDone(broadcastId);
    expect(done).toMatchObject({ recipients: total, sent: total, skipped: 0, failed: 0, title });
    expect(Date.parse(done.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(done.startedAt!));

    const delivered = await emailsWithSubject(title);
    expect(delivered).toHaveLength(total);
    const recipients = delivered.map((email) => email.destination.to[0]!.toLowerCase());
    expect(new Set(recipients).size).toBe(total);
    for (const email of emails) expect(recipients).toContain(email.toLowerCase());

    const links = new Set<string>();
    for (const email of delivered) {
      expect(email.from).toContain("noreply@test.example.org");
      expect(email.body.html).toContain("<strong>upgrade</strong>");
      const link = /https:\/\/reg\.test\.example\.org\/api\/registration\/unsubscribe\/[\w.-]+/.exec(
        email.body.text ?? "",
      )?.[0];
      expect(link).toBeDefined();
      expect(email.body.html).toContain(link);
      const claims = await verifyToken(Resource.UnsubscribeKey.value, link!.split("/").pop()!, "unsubscribe");
      expect(claims?.email).toBe(email.destination.to[0]!.toLowerCase());
      links.add(link!);
    }
    expect(links.size).toBe(total);
  });

  it("sends nothing twice when its fan-out runs again or a sent batch is delivered again", async () => {
    await register(30, "again");
    const title = `Release notes ${crypto.randomUUID()}`;
    const { broadcastId } = (await (await broadcast({ title, contents: "Version 7.0.4 is out." })).json()) as {
      broadcastId: string;
    };
    const first = await untilDone(broadcastId);
    const sentBefore = (await emailsWithSubject(title)).length;
    expect(sentBefore).toBe(first.sent);

    await resumeBroadcast(
      createSqsQueue<FanoutTask>(new SQSClient({}), Resource.Fanout.url),
      broadcastId,
      first.totalSegments,
    );
    const [email] = (await emailsWithSubject(title)).map((sent) => sent.destination.to[0]!.toLowerCase());
    const redelivered = sqsEvent(testStack().queues.Send!.arn, [{ broadcastId, email }], 2);
    expect(await sendHandler(redelivered, { ...lambdaContext, getRemainingTimeInMillis: () => 30_000 })).toEqual({
      batchItemFailures: [],
    });
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    expect(await emailsWithSubject(title)).toHaveLength(sentBefore);
    expect(await progress(broadcastId)).toMatchObject({
      status: "done",
      recipients: first.recipients,
      sent: first.sent,
    });
  });

  it("leaves addresses that are no longer active out of its recipients, as the count it showed did", async () => {
    const [optedOut] = await register(1, "opted-out");
    await db.send(
      new UpdateCommand({
        TableName: Resource.Registrations.name,
        Key: { email: optedOut!.toLowerCase() },
        UpdateExpression: "SET #status = :unsubscribed",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":unsubscribed": "unsubscribed" },
      }),
    );
    const title = `Skip test ${crypto.randomUUID()}`;
    const { broadcastId } = (await (await broadcast({ title, contents: "Hello" })).json()) as { broadcastId: string };
    // What the board was shown before sending (the status was set behind the counter's back here).
    const reach = await fetch(`${base}/api/registration/audience`, { headers: { "X-Secret-Pin": PIN } });
    const { reached } = (await reach.json()) as { reached: number };
    const done = await untilDone(broadcastId);
    expect(done).toMatchObject({ recipients: reached, sent: reached, skipped: 0 });
    const delivered = await emailsWithSubject(title);
    expect(delivered.map((email) => email.destination.to[0])).not.toContain(optedOut);
    expect(delivered).toHaveLength(done.sent);
  });

  it.each([
    ["an empty title", { title: "  ", contents: "Hello" }],
    ["a title over 200 characters", { title: "t".repeat(201), contents: "Hello" }],
    ["empty contents", { title: "Hello", contents: "" }],
    ["contents over 200 KiB", { title: "Hello", contents: "x".repeat(200 * 1024 + 1) }],
    ["HTML that is nothing once sanitized", { title: "Hello", contents: "Hello", html: "<script>alert(1)</script>" }],
  ])("returns 400 InvalidEmailMessageException for %s", async (_, message) => {
    const response = await broadcast(message);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe("InvalidEmailMessageException");
  });

  it("returns 401 InvalidSecretPinException for a wrong or missing PIN", async () => {
    for (const secretPin of ["wrong", undefined, 24681357]) {
      const response = await viaLambda("198.51.100.1", { secretPin, title: "Hi", contents: "Hi" });
      expect(response.statusCode).toBe(401);
      expect(JSON.parse(response.body)).toMatchObject({ error: "InvalidSecretPinException" });
    }
  });

  it("locks an address out with 429 after 5 wrong PINs, even with the right PIN, and no one else", async () => {
    const attacker = "198.51.100.66";
    for (let attempt = 0; attempt < 5; attempt++) {
      expect(
        (await viaLambda(attacker, { secretPin: `guess-${attempt}`, title: "Hi", contents: "Hi" })).statusCode,
      ).toBe(401);
    }
    const locked = await viaLambda(attacker, { secretPin: PIN, title: "Hi", contents: "Hi" });
    expect(locked.statusCode).toBe(429);
    expect(JSON.parse(locked.body)).toMatchObject({ error: "TooManyRequestsException" });
    expect(Number(locked.headers?.["retry-after"])).toBeGreaterThan(14 * 60);

    const other = await viaLambda("198.51.100.67", { secretPin: PIN, title: "", contents: "Hi" });
    expect(other.statusCode).toBe(400);
  });
});

describe("GET /api/registration/broadcast/:id", () => {
  it("needs the PIN and answers 404 for an unknown broadcast", async () => {
    const id = crypto.randomUUID();
    expect((await fetch(`${base}/api/registration/broadcast/${id}`)).status).toBe(401);
    const missing = await fetch(`${base}/api/registration/broadcast/${id}`, { headers: { "X-Secret-Pin": PIN } });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toBe("BroadcastNotFoundException");
  });
});
