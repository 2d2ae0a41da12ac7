import { PutCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient, retryingConflicts } from "@oemr-reg/core/aws/dynamo";
import {
  confirm,
  counterUpdate,
  createDynamoRegistrationStore,
  isoWeek,
  newRegistration,
  type RegistrationStatus,
  unsubscribe,
} from "@oemr-reg/core/registration";
import { backfillCounters } from "@oemr-reg/core/registration/backfill";
import { lastWeeks, readOverview } from "@oemr-reg/core/registration/counters";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { uniqueEmail } from "./support/serve.ts";

const db = createDocumentClient();
const tables = { registrationsTable: Resource.Registrations.name, stateTable: Resource.State.name };
const store = createDynamoRegistrationStore({ db, ...tables });
const now = new Date();
const weeks = lastWeeks(now, 52);
const backfill = () => backfillCounters({ db, ...tables });
const DAY_MS = 86_400_000;

/**
 * A registration as the code before the `counted` marker left it: no marker, and only `count` and
 * `active` moved on its shard (its status changes moved `active` alone).
 */
async function oldRegistration(status: RegistrationStatus, daysAgo: number): Promise<string> {
  const registration = newRegistration(
    { email: uniqueEmail("backfill"), version: "7.0.3" },
    { sourceIp: "203.0.113.9", now: new Date(now.getTime() - daysAgo * DAY_MS) },
  );
  await db.send(new PutCommand({ TableName: tables.registrationsTable, Item: { ...registration, status } }));
  const { Update } = counterUpdate(tables.stateTable, registration.email, {
    count: 1,
    ...(status === "active" ? { active: 1 } : {}),
  });
  await db.send(new UpdateCommand(Update!));
  return registration.email;
}

/** What the overview should show: every registration in the table, counted one by one. */
async function scanned() {
  const counts = { count: 0, active: 0, unsubscribed: 0, bounced: 0, complained: 0 };
  const perWeek = new Map(weeks.map((week) => [week, 0]));
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new ScanCommand({ TableName: tables.registrationsTable, ExclusiveStartKey: cursor, ConsistentRead: true }),
    );
    for (const item of page.Items ?? []) {
      counts.count++;
      counts[item.status as RegistrationStatus]++;
      const week = isoWeek(item.registeredAt);
      if (perWeek.has(week)) perWeek.set(week, perWeek.get(week)! + 1);
    }
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return { ...counts, perWeek: weeks.map((week) => ({ week, registrations: perWeek.get(week)! })) };
}

const overview = () => readOverview(db, tables.stateTable, weeks);
const statuses: RegistrationStatus[] = ["active", "unsubscribed", "bounced", "complained"];

describe("the counters' backfill", () => {
  it("counts the registrations from before the marker: the overview equals a scan, after a 2nd run too", async () => {
    for (let i = 0; i < 40; i++) await oldRegistration(statuses[i % 4]!, (i * 11) % 400);
    // A new registration is counted as it is added: the backfill leaves it.
    await store.add(newRegistration({ email: uniqueEmail("backfill-new") }, { sourceIp: undefined, now }));
    const before = await overview();
    expect(before.unsubscribed).toBeLessThan((await scanned()).unsubscribed);

    const first = await backfill();
    expect(first).toMatchObject({ counted: 40, skipped: 0 });
    expect(await overview()).toEqual(await scanned());

    expect(await backfill()).toEqual({ found: 0, counted: 0, skipped: 0 });
    expect(await overview()).toEqual(await scanned());
  });

  it("moves only active for an old opted-out address confirmed back before the backfill: none below 0", async () => {
    const emails = [await oldRegistration("unsubscribed", 3), await oldRegistration("bounced", 10)];
    for (const email of emails) {
      const registration = (await store.get(email))!;
      await store.changeStatus({
        email,
        from: registration.status,
        counted: registration.counted === true,
        to: "active",
        at: now.toISOString(),
        entry: { email, type: "Confirmed", at: now.toISOString(), from: undefined, to: "active" },
      });
    }
    const unsubscribed = await oldRegistration("unsubscribed", 20);
    expect((await unsubscribe(store, unsubscribed, now)).result).toBe("unchanged");
    const middle = await overview();
    for (const name of ["unsubscribed", "bounced", "complained"] as const)
      expect(middle[name]).toBeGreaterThanOrEqual(0);
    expect(middle.active).toBe((await scanned()).active);

    await backfill();
    expect(await overview()).toEqual(await scanned());
  });

  it("stays exact while the list changes during the backfill", { timeout: 120_000 }, async () => {
    const emails: string[] = [];
    for (let i = 0; i < 150; i++) emails.push(await oldRegistration(i % 3 === 0 ? "unsubscribed" : "active", i * 2));
    // Unsubscribes of active addresses and confirmations of unsubscribed ones, as the backfill runs.
    const changes = (async () => {
      for (const [i, email] of emails.entries()) {
        if (i % 3 === 0) {
          const at = new Date().toISOString();
          // The backfill's transaction may hold the item: DynamoDB refuses a single write then, so retry.
          await retryingConflicts(() =>
            db.send(
              new UpdateCommand({
                TableName: tables.registrationsTable,
                Key: { email },
                UpdateExpression: "SET confirmationSentAt = :at",
                ExpressionAttributeValues: { ":at": at },
              }),
            ),
          );
          expect((await confirm(store, email, new Date())).result).toBe("confirmed");
        } else if (i % 3 === 1) {
          expect((await unsubscribe(store, email, new Date())).result).toBe("unsubscribed");
        }
      }
    })();
    const [totals] = await Promise.all([backfill(), changes]);
    expect(totals.found).toBeGreaterThan(0);
    // What the first run found after it began, or gave up on, the next counts.
    await backfill();
    expect(await overview()).toEqual(await scanned());
  });
});
