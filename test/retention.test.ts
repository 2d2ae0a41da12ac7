import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { createDynamoBroadcastStore, fanOut, readProgress } from "@oemr-reg/core/broadcast";
import { createAddressItems, sweepExpired } from "@oemr-reg/core/privacy";
import { createDynamoRegistrationStore } from "@oemr-reg/core/registration";
import { stack } from "@oemr-reg/core/resources";
import { DEFAULT_RETENTION, SEND_WINDOW_MARGIN_DAYS } from "@oemr-reg/core/state/expiry";
import { deliveryKey } from "@oemr-reg/core/state/keys";
import { signToken } from "@oemr-reg/core/tokens";
import { app } from "@oemr-reg/functions/api";
import { ttlSweeps } from "@oemr-reg/local/ttl-sweep";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { postForm, postJson, serveForFile, uniqueEmail } from "./support/serve.ts";
import { runStackConsumers, testStack, untilBroadcastDone } from "./support/stack.ts";

const base = await serveForFile(app);
await runStackConsumers();
const db = createDocumentClient();
const stateTable = Resource.State.name;
const items = createAddressItems({ db, stateTable });
const store = createDynamoRegistrationStore({ db, registrationsTable: Resource.Registrations.name, stateTable });
const PIN = Resource.SecretPin.value;
const DAY = 86_400;
const seconds = (at: string | Date) => Math.floor(new Date(at).getTime() / 1000);
const [sweep] = ttlSweeps(stack, testStack());
const sweepAt = (days: number) => sweepExpired(db, sweep!, new Date(Date.now() + days * DAY * 1000));
const progressOf = async (broadcastId: string) =>
  (await fetch(`${base}/api/registration/broadcast/${broadcastId}`, { headers: { "X-Secret-Pin": PIN } })).json();

describe("retention", () => {
  it("gives deliveries, SES message ids and history a TTL; the sweep deletes them, the counts stay", async () => {
    // The local runner sweeps the State table, the one table with a TTL attribute (resources.ts).
    expect(ttlSweeps(stack, testStack())).toEqual([
      { table: stateTable, keys: ["pk", "sk"], ttlAttribute: "expiresAt" },
    ]);
    const [mailed, leaver] = [uniqueEmail("kept"), uniqueEmail("leaver")];
    for (const email of [mailed, leaver])
      expect((await postForm(`${base}/api/registration`, { email })).status).toBe(201);
    const started = await postJson(`${base}/api/registration/broadcast`, {
      secretPin: PIN,
      title: "Kept",
      contents: "Hi",
    });
    const { broadcastId } = (await started.json()) as { broadcastId: string };
    const done = await untilBroadcastDone(base, PIN, broadcastId);
    const token = await signToken(Resource.UnsubscribeKey.value, { purpose: "unsubscribe", email: leaver });
    const unsubscribed = await postForm(`${base}/api/registration/unsubscribe/${token}`, {
      "List-Unsubscribe": "One-Click",
    });
    expect(unsubscribed.status).toBe(200);

    const found = await items.find(mailed);
    const [delivery] = found.delivery;
    const [sesMessage] = found.sesMessage;
    const deliveryExpiry = seconds(delivery!.finishedAt as string) + DEFAULT_RETENTION.deliveryDays * DAY;
    expect(delivery!.expiresAt).toBe(deliveryExpiry);
    expect(sesMessage!.expiresAt).toBe(deliveryExpiry);
    const [change] = (await items.find(leaver)).listChange;
    expect(change!.expiresAt).toBe(seconds(change!.at as string) + DEFAULT_RETENTION.historyDays * DAY);

    // A day on, only what expires by the hour or day goes (rate windows, the broadcast's Idempotency-Key).
    await sweepAt(1);
    expect((await items.find(mailed)).delivery).toHaveLength(1);
    expect((await items.find(mailed)).sesMessage).toHaveLength(1);
    // Two deliveries and their SES message ids.
    expect(await sweepAt(DEFAULT_RETENTION.deliveryDays + 1)).toBeGreaterThanOrEqual(4);
    const later = await items.find(mailed);
    expect([...later.delivery, ...later.sesMessage]).toEqual([]);
    expect((await items.find(leaver)).listChange).toHaveLength(1);
    // The broadcast's own counts, and the list's, outlive its deliveries.
    expect(await progressOf(broadcastId)).toEqual(done);
    expect(await (await fetch(`${base}/api/registration/unique`)).json()).toEqual({ count: 2, active: 1 });
    expect((await store.get(mailed))?.status).toBe("active");

    await sweepAt(DEFAULT_RETENTION.historyDays + 1);
    expect((await items.find(leaver)).listChange).toEqual([]);
    expect((await store.get(leaver))?.status).toBe("unsubscribed");
  }, 60_000);

  it("gives an unsettled delivery its broadcast's lifetime, and never sends it twice across its expiry", async () => {
    const broadcasts = createDynamoBroadcastStore({ db, stateTable });
    const broadcastId = crypto.randomUUID();
    const created = new Date();
    const day = (days: number) => new Date(created.getTime() + days * DAY * 1000);
    const { deliveryDays } = DEFAULT_RETENTION;
    await broadcasts.create({ broadcastId, content: { title: "Long", contents: "x" }, totalSegments: 1, now: created });
    await broadcasts.markSending(broadcastId, created);
    const [idle, late] = [uniqueEmail("idle"), uniqueEmail("late")].map((email) => email.toLowerCase());
    const page = { broadcastId, createdAt: created.toISOString(), now: created };
    expect(await broadcasts.addRecipients(page, [idle!, late!])).toEqual([idle, late]);
    // Unsettled, a record expires with its broadcast's send window and a margin, not with its own time.
    const pending = (await items.find(idle!)).delivery.find((item) => item.pk === deliveryKey(broadcastId, "").pk);
    expect(pending).toMatchObject({ status: "pending" });
    expect(pending!.expiresAt).toBe(seconds(created) + (deliveryDays + SEND_WINDOW_MARGIN_DAYS) * DAY);

    // Inside the window a sender claims it; past it, nobody does, so none is sent after the window.
    const lease = (at: Date) => new Date(at.getTime() + 15 * 60_000);
    expect(
      await broadcasts.claimDelivery(broadcastId, late!, lease(day(deliveryDays - 0.01)), day(deliveryDays - 0.01)),
    ).toBe("claimed");
    expect(await broadcasts.claimDelivery(broadcastId, idle!, lease(day(deliveryDays)), day(deliveryDays))).toBe(
      "expired",
    );
    expect(
      await broadcasts.claimDeliveries([{ broadcastId, email: idle! }], lease(day(deliveryDays)), day(deliveryDays)),
    ).toEqual(["expired"]);
    // The record held at the window's end outlives its sender's lease: the sweep leaves it, its
    // settle counts it once, and it is kept as a settled record from then.
    await sweepExpired(db, sweep!, lease(day(deliveryDays)));
    await broadcasts.completeDeliveries(
      [{ broadcastId, email: late!, outcome: { status: "sent", sesMessageId: `ses-${broadcastId}` } }],
      lease(day(deliveryDays - 0.01)),
    );
    await sweepExpired(db, sweep!, day(deliveryDays + SEND_WINDOW_MARGIN_DAYS + 1));
    const after = await readProgress(db, stateTable, broadcastId);
    expect(after).toMatchObject({ recipients: 2, pending: 1, sent: 1 });
    expect((await items.find(idle!)).delivery.filter((item) => item.pk === deliveryKey(broadcastId, "").pk)).toEqual(
      [],
    );
    expect((await items.find(late!)).delivery).toMatchObject([{ status: "sent" }]);

    // A fan-out run after the window (a resume, a lost message queued again) makes no record again
    // and queues nothing, so the expired recipient is not mailed now, and the counts stay.
    const queued: unknown[] = [];
    const queue = { send: async (messages: unknown[]) => void queued.push(...messages) };
    const later = day(deliveryDays + SEND_WINDOW_MARGIN_DAYS + 1);
    await fanOut(
      { broadcasts, registrations: store, sendQueue: queue, fanoutQueue: queue, now: () => later },
      { broadcastId, segment: 0, totalSegments: 1 },
      () => 60_000,
    );
    expect(queued).toEqual([]);
    expect(await broadcasts.addRecipients({ ...page, now: later }, [idle!])).toEqual([]);
    expect((await items.find(idle!)).delivery.filter((item) => item.pk === deliveryKey(broadcastId, "").pk)).toEqual(
      [],
    );
    expect(await readProgress(db, stateTable, broadcastId)).toEqual(after);
  }, 60_000);
});
