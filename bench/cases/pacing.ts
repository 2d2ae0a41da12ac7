/**
 * Case 3: a broadcast to 5,000 recipients with `SES_SEND_RATE=250`, through the real API, queues,
 * fan-out and senders, after a warm-up broadcast to 1,000. A proxy in front of the SES emulator times
 * each send to the millisecond.
 * @module
 */
import { storedEmails } from "@oemr-reg/local/ses-store";
import { figure, progress, reportFigures, scale } from "../support/figures.ts";
import { seedRegistrations } from "../support/seed.ts";
import { BENCH_PIN, startBenchStack } from "../support/stack.ts";
import { round, slidingWindowMax } from "../support/stats.ts";

const CASE = "pacing";
const RATE = 250;
const recipients = scale(5_000);
const warmUp = scale(1_000);
const title = `Bench broadcast ${crypto.randomUUID().slice(0, 8)}`;

const bench = await startBenchStack({ api: true, consumers: true, sendRate: RATE, sesProxy: true });
try {
  const sends = bench.ses!.sends;
  const tables = { registrations: bench.provisioned.tables.Registrations!, state: bench.provisioned.tables.State! };

  /** Broadcasts to everyone registered, and waits until the broadcast says it is done. */
  async function broadcastAndWait(title: string, count: number) {
    progress(`broadcasting to ${count} at ${RATE}/s`);
    const response = await fetch(`${bench.apiUrl}/api/registration/broadcast`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        secretPin: BENCH_PIN,
        title,
        contents: "# OpenEMR 7.0.3\n\nA security patch: please **upgrade** now.",
      }),
    });
    const accepted = performance.timeOrigin + performance.now();
    if (response.status !== 200) throw new Error(`broadcast answered ${response.status}: ${await response.text()}`);
    const { broadcastId } = (await response.json()) as { broadcastId: string };

    // Done when the broadcast says so; a tenth of the configured rate plus a minute before giving up.
    const deadline = Date.now() + (10 * count * 1000) / RATE + 60_000;
    let status: { status: string; sent: number; failed: number; skipped: number } | undefined;
    for (;;) {
      const progressResponse = await fetch(`${bench.apiUrl}/api/registration/broadcast/${broadcastId}`, {
        headers: { "x-secret-pin": BENCH_PIN },
      });
      status = (await progressResponse.json()) as typeof status;
      if (status?.status === "done" || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    if (status?.status !== "done") progress(`gave up waiting: ${JSON.stringify(status)}`);
    return accepted;
  }

  // DynamoDB Local's JVM runs the senders' transactions far faster once it has compiled them
  // (AWS's DynamoDB needs no warming): a smaller broadcast first, as a stack in use would have had.
  progress(`seeding ${warmUp} registrations`);
  await seedRegistrations(bench.db, tables, 0, warmUp);
  await broadcastAndWait(`Warm-up ${title}`, warmUp);
  sends.length = 0;

  progress(`seeding ${recipients - warmUp} more registrations`);
  await seedRegistrations(bench.db, tables, warmUp, recipients);
  const accepted = await broadcastAndWait(title, recipients);

  const delivered = (await storedEmails(bench.endpoints.ses)).filter((email) => email.subject === title);
  const distinct = new Set(delivered.flatMap((email) => email.destination.to.map((to) => to.toLowerCase()))).size;

  const times = sends.map((send) => send.at).sort((a, b) => a - b);
  const first = times[0] ?? Number.NaN;
  const last = times.at(-1) ?? Number.NaN;
  const achieved = (times.length - 1) / ((last - first) / 1000);
  const busiest = slidingWindowMax(times, 1000);
  const perSecond = Array.from({ length: Math.ceil((last - first) / 1000) + 1 }, () => 0);
  for (const at of times) perSecond[Math.floor((at - first) / 1000)]! += 1;
  progress(`sends in each second: ${perSecond.join(" ")}`);

  reportFigures([
    figure(CASE, `achieved send rate (${times.length} sends)`, round(achieved, 1), "emails/s"),
    figure(CASE, `achieved / configured rate (${RATE}/s)`, round(achieved / RATE, 3), "ratio", {
      op: ">=",
      value: 0.9,
    }),
    figure(CASE, "busiest one-second window", busiest, "emails"),
    figure(CASE, "busiest one-second window / rate", round(busiest / RATE, 3), "ratio", { op: "<=", value: 1 }),
    figure(CASE, "time from the 200 to the first email", round(first - accepted, 0), "ms"),
    figure(CASE, "distinct emails in the SES emulator", distinct, "emails", { op: "==", value: recipients }),
    figure(CASE, "emails in the SES emulator (with duplicates)", delivered.length, "emails", {
      op: "==",
      value: recipients,
    }),
  ]);
} finally {
  await bench.stop();
}
