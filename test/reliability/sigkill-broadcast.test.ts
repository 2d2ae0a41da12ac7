import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { DELIVERY_PREFIX, deliveryKey } from "@oemr-reg/core/state/keys";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "@oemr-reg/local/aws-env";
import { describe, expect, it } from "vitest";
import { postForm, postJson, uniqueEmail } from "../support/serve.ts";
import { eventually } from "../support/stack.ts";
import { recordFigure, recordSecrets } from "./support/figures.ts";
import { freePortBlock, launch, ready } from "./support/runner.ts";

const RECIPIENTS = 2_000;
const KILL_AFTER = 600;
const PIN = "board-pin-31415926";
recordSecrets(PIN);

type Seen = { messageId: string; to: string; at: number };

/** Everything the runner's SES emulator has accepted, remembered across its restarts. */
function mailWatcher(mailUrl: string) {
  const seen = new Map<string, Seen>();
  let since = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const response = await fetch(`${mailUrl}/store?since=${since}`);
        const { emails } = (await response.json()) as {
          emails: { messageId: string; destination: { to: string[] }; at: number }[];
        };
        for (const email of emails) {
          seen.set(email.messageId, {
            messageId: email.messageId,
            to: email.destination.to[0]!.toLowerCase(),
            at: email.at,
          });
          since = Math.max(since, email.at - 1);
        }
      } catch {
        // The runner is down or starting: keep polling.
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    seen,
    reset: () => (since = 0),
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

describe("npm start killed with SIGKILL in the middle of a 2,000-recipient broadcast", () => {
  it("finishes the broadcast by itself after a restart: nobody missing, nobody twice", async () => {
    const port = await freePortBlock();
    const env = {
      PORT: String(port),
      DATA_DIR: mkdtempSync(join(tmpdir(), "oemr-reliability-")),
      SECRET_PIN: PIN,
      SES_SEND_RATE: "100",
    };
    const api = `http://127.0.0.1:${port}`;
    const first = launch(env);
    await ready(first);

    const recipients = Array.from({ length: RECIPIENTS }, () => uniqueEmail("kill").toLowerCase());
    recordSecrets(...recipients);
    for (let start = 0; start < recipients.length; start += 25) {
      const statuses = await Promise.all(
        recipients
          .slice(start, start + 25)
          .map(async (email) => (await postForm(`${api}/api/registration`, { email })).status),
      );
      expect(new Set(statuses)).toEqual(new Set([201]));
    }
    const watcher = mailWatcher(`http://127.0.0.1:${port + 1}`);
    const started = await postJson(`${api}/api/registration/broadcast`, {
      secretPin: PIN,
      title: "Killed",
      contents: "Patch now.",
    });
    const { broadcastId } = (await started.json()) as { broadcastId: string };
    await eventually(
      async () => (watcher.seen.size >= KILL_AFTER ? true : undefined),
      120_000,
      `${KILL_AFTER} emails sent`,
    );
    first.child.kill("SIGKILL");
    await first.exited;
    const seenBeforeKill = watcher.seen.size;

    const killedAt = Date.now();
    const second = launch(env);
    await ready(second);
    watcher.reset();
    const progress = await eventually(
      async () => {
        const response = await fetch(`${api}/api/registration/broadcast/${broadcastId}`, {
          headers: { "X-Secret-Pin": PIN },
        });
        const body = (await response.json()) as { status: string; recipients: number; sent: number };
        return body.status === "done" ? body : undefined;
      },
      180_000,
      "the broadcast to finish after the restart",
    );
    const finishedAfterMs = Date.now() - killedAt;
    await new Promise((resolve) => setTimeout(resolve, 500));
    await watcher.stop();

    // The runner's own table: every delivery record settled, with the SES message id it was sent as.
    const db = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: `http://127.0.0.1:${port + 2}`,
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
      }),
    );
    const records: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await db.send(
        new QueryCommand({
          TableName: "oemr-reg-local-State",
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :to)",
          ExpressionAttributeValues: { ":pk": deliveryKey(broadcastId, "").pk, ":to": DELIVERY_PREFIX },
          ExclusiveStartKey,
        }),
      );
      records.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    db.destroy();

    const emailsPer = new Map<string, number>();
    for (const { to } of watcher.seen.values()) emailsPer.set(to, (emailsPer.get(to) ?? 0) + 1);
    const twice = [...emailsPer.values()].filter((n) => n > 1).length;
    const neverSeen = recipients.filter((email) => !emailsPer.has(email));
    // An email accepted in the poller's last 50 ms before the kill is known only by its record.
    const sentAs = new Map(
      records
        .filter((record) => record.sesMessageId)
        .map((record) => [record.email as string, record.sesMessageId as string]),
    );
    const unseenButRecorded = neverSeen.filter((email) => sentAs.has(email));
    const missing = neverSeen.filter((email) => !unseenButRecorded.includes(email));
    const unsettled = records.filter((record) => record.status !== "sent");
    const reLeased = records.filter((record) => Number(record.attempts) > 1).length;

    recordFigure({
      check: "SIGKILL mid-broadcast, restart",
      tried: `npm start killed after ${seenBeforeKill} of ${RECIPIENTS} emails, started again`,
      count: RECIPIENTS,
      lost: missing.length + unsettled.length,
      notes:
        `done ${Math.round(finishedAfterMs / 1000)} s after the kill; sent twice ${twice}; ` +
        `leases taken over ${reLeased}; sent in the poller's blind 50 ms ${unseenButRecorded.length}`,
    });
    expect(progress).toMatchObject({ recipients: RECIPIENTS, sent: RECIPIENTS });
    expect(records).toHaveLength(RECIPIENTS);
    expect(unsettled).toEqual([]);
    expect(missing).toEqual([]);
    // At most the sends in flight at the kill (two senders of ten) may have gone out twice.
    expect(twice).toBeLessThanOrEqual(20);
  }, 420_000);
});
