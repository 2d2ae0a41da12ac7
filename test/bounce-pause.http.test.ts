import { SNSClient } from "@aws-sdk/client-sns";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import type { Broadcast } from "@oemr-reg/core/broadcast";
import { stack } from "@oemr-reg/core/resources";
import { startSesSimulator } from "@oemr-reg/local/ses-simulator";
import { afterAll, describe, expect, inject, it } from "vitest";
import { postForm, postJson, serveForFile, uniqueEmail } from "./support/serve.ts";
import { emailsWithSubject, eventually, ownStack, runStackConsumers } from "./support/stack.ts";

// This file's stack sends 3 emails a second, so that a broadcast lasts long enough for SES's
// bounces (played by the local SES simulator) to pause it midway, and from a sender of its own,
// so that the simulator reports only this file's mail from the shared SES emulator.
const sender = `noreply@pause${crypto.randomUUID().slice(0, 6)}.test.example.org`;
const PIN = "board-pin-97531864";
const provisioned = await ownStack("pause", { pin: PIN, sender, settings: { sendRate: 3 } });

const { app } = await import("@oemr-reg/functions/api");
const base = await serveForFile(app);
await runStackConsumers(provisioned, stack);
const simulating = new AbortController();
const simulator = startSesSimulator({
  sesEndpoint: inject("endpoints").ses,
  sns: new SNSClient({}),
  topicArn: provisioned.topics.SesEvents!,
  configurationSet: "test",
  sender,
  signal: simulating.signal,
});
afterAll(async () => {
  simulating.abort();
  await simulator.stopped;
});
const db = createDocumentClient();

async function progress(broadcastId: string): Promise<Broadcast> {
  const response = await fetch(`${base}/api/registration/broadcast/${broadcastId}`, {
    headers: { "X-Secret-Pin": PIN },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Broadcast;
}

function until(broadcastId: string, status: Broadcast["status"]): Promise<Broadcast> {
  return eventually(
    async () => {
      const current = await progress(broadcastId);
      return current.status === status ? current : undefined;
    },
    60_000,
    `broadcast ${broadcastId} to be ${status}`,
  );
}

async function registrationStatus(email: string): Promise<string | undefined> {
  const { Item } = await db.send(
    new GetCommand({
      TableName: provisioned.tables.Registrations!,
      Key: { email: email.toLowerCase() },
      ConsistentRead: true,
    }),
  );
  return Item?.status;
}

describe("a broadcast whose emails bounce", () => {
  it("pauses itself midway, says why, and once resumed with the PIN reaches everyone else exactly once", async () => {
    // 20 hard bounces: the 11th pauses it (11 > 10, and over 10% of at most 31 sent by then), and
    // the 9 left after a resume stay under the limit counted from the resume.
    const tag = crypto.randomUUID().slice(0, 8);
    const bouncing = Array.from({ length: 20 }, (_, index) => `bounce+${tag}-${index}@simulator.amazonses.com`);
    const fine = Array.from({ length: 20 }, () => uniqueEmail("fine"));
    for (const email of [...bouncing, ...fine])
      expect((await postForm(`${base}/api/registration`, { email })).status).toBe(201);

    const title = `Bouncing ${crypto.randomUUID()}`;
    const started = await postJson(`${base}/api/registration/broadcast`, {
      secretPin: PIN,
      title,
      contents: "Patch now.",
    });
    const { broadcastId } = (await started.json()) as { broadcastId: string };

    const paused = await until(broadcastId, "paused");
    expect(paused.hardBounces).toBeGreaterThan(10);
    expect(paused.pausedReason).toMatch(/^\d+ hard bounces out of \d+ emails sent: over 10 and over 10%$/);
    // Senders stop within about a second; the pause leaves recipients unreached.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const beforeResume = await emailsWithSubject(title);
    expect(beforeResume.length).toBeLessThan(40);
    expect((await progress(broadcastId)).status).toBe("paused");

    const wrong = await postJson(`${base}/api/registration/broadcast/${broadcastId}/resume`, { secretPin: "12345678" });
    expect(wrong.status).toBe(401);
    const resumed = await fetch(`${base}/api/registration/broadcast/${broadcastId}/resume`, {
      method: "POST",
      headers: { "X-Secret-Pin": PIN },
    });
    expect(resumed.status).toBe(200);
    expect(await resumed.json()).toMatchObject({ broadcastId, status: "sending", pausedReason: paused.pausedReason });

    const done = await until(broadcastId, "done");
    expect(done).toMatchObject({ recipients: 40, sent: 40, skipped: 0, failed: 0 });
    const delivered = await emailsWithSubject(title);
    const recipients = delivered.map((email) => email.destination.to[0]!.toLowerCase()).sort();
    expect(recipients).toEqual([...bouncing, ...fine].map((email) => email.toLowerCase()).sort());

    // Every bounce comes back, is counted once, and marks its address; the resume kept it going.
    // The local stack hands the 40 SES notices to their handler two at a time, each settled under
    // DynamoDB's conflict rules: on a loaded machine (a CI run timed out at 20 s) counting them
    // can take as long as sending did, so it gets the same minute as `until`.
    const settled = await eventually(
      async () => {
        const current = await progress(broadcastId);
        return current.hardBounces === 20 ? current : undefined;
      },
      60_000,
      "all 20 bounces to be counted",
    );
    expect(settled.status).toBe("done");
    for (const email of bouncing) expect(await registrationStatus(email)).toBe("bounced");
    for (const email of fine) expect(await registrationStatus(email)).toBe("active");

    const again = await fetch(`${base}/api/registration/broadcast/${broadcastId}/resume`, {
      method: "POST",
      headers: { "X-Secret-Pin": PIN },
    });
    expect(again.status).toBe(409);
  }, 180_000);
});
