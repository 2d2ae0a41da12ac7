/**
 * Case 8: the sender's CPU time per email, warm, against a bare loop's (bench/fixtures/bare-send.ts:
 * one MIME message per recipient and one `SendRawEmail`, nothing else), both bundled as deployed,
 * each in a fresh process, given the same batches of 10 tasks for the same recipients, on the same
 * SES emulator. The first batch warms each process and is not counted: CPU is the process's own,
 * user and system, over every later batch.
 * @module
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDynamoBroadcastStore } from "@oemr-reg/core/broadcast";
import { renderAndPack } from "@oemr-reg/core/broadcast/rendered-parts";
import { sqsEvent } from "@oemr-reg/local/lambda-events";
import { storedEmails } from "@oemr-reg/local/ses-store";
import { bundleHandler, invokeBundle } from "../support/bundle.ts";
import { figure, progress, reportFigures, scale } from "../support/figures.ts";
import { benchAddress, seedRegistrations } from "../support/seed.ts";
import { startBenchStack } from "../support/stack.ts";
import { round } from "../support/stats.ts";

const CASE = "sender-cpu";
const BATCH = 10;
/** Emails counted, after the first batch of each process. */
const EMAILS = scale(500);
/** Issue #26's target: the sender's CPU per email at most 1.5 times the bare loop's. */
const MAX_RATIO = 1.5;
/** The pacing case's SES rate, and the bench's (a new SES account's quota). */
const [FAST_RATE, SLOW_RATE] = [250, 14];

const outRoot = mkdtempSync(join(tmpdir(), "oemr-bench-sender-cpu-"));
const entries = { send: "packages/functions/src/send.ts", bare: "bench/fixtures/bare-send.ts" } as const;
const building = Promise.all(
  Object.entries(entries).map(async ([name, entry]) => {
    mkdirSync(join(outRoot, name));
    return [name, await bundleHandler(entry, join(outRoot, name))] as const;
  }),
);
const bench = await startBenchStack();
try {
  const bundles = Object.fromEntries(await building) as unknown as Record<keyof typeof entries, { file: string }>;
  const { tables, queues } = bench.provisioned;
  const broadcasts = createDynamoBroadcastStore({ db: bench.db, stateTable: tables.State! });
  const content = { title: "Bench sender CPU", contents: "# OpenEMR 7.0.3\n\nPlease upgrade.\n\n- one\n- two\n" };
  const rendered = await renderAndPack(content);
  const recipients = EMAILS + BATCH;
  await seedRegistrations(bench.db, { registrations: tables.Registrations!, state: tables.State! }, 0, recipients);
  const emails = Array.from({ length: recipients }, (_, i) => benchAddress(i).toLowerCase());
  /** A broadcast of its own for each run, so that no run finds another's deliveries settled. */
  const batchesOfNewBroadcast = async () => {
    const broadcastId = crypto.randomUUID();
    await broadcasts.create({ broadcastId, content: { ...content, rendered }, totalSegments: 1, now: new Date() });
    await broadcasts.addRecipients({ broadcastId, createdAt: new Date().toISOString(), now: new Date() }, emails);
    return Array.from({ length: recipients / BATCH }, (_, i) =>
      sqsEvent(
        queues.Send!.arn,
        emails.slice(i * BATCH, (i + 1) * BATCH).map((email) => ({ broadcastId, email })),
      ),
    );
  };
  const cpuPerEmail = async (name: keyof typeof entries, sendRate: number) => {
    const settings = { ...JSON.parse(process.env.SST_RESOURCE_Settings!), sendRate };
    const env = { ...process.env, SST_RESOURCE_Settings: JSON.stringify(settings), LOG_LEVEL: "ERROR" };
    const report = await invokeBundle(bundles[name].file, await batchesOfNewBroadcast(), { env, timeoutSeconds: 120 });
    const failed = report.responses.flatMap((answer) => (answer as { batchItemFailures: unknown[] }).batchItemFailures);
    if (failed.length > 0) throw new Error(`${name}: ${failed.length} tasks failed`);
    progress(`${name} at ${sendRate}/s: ${round(report.warmCpuMs / EMAILS, 3)} ms CPU an email after the first batch`);
    return report.warmCpuMs / EMAILS;
  };
  // The bare loop is not paced; the sender at the pacing case's rate, and at a new SES account's
  // quota, where sends come too far apart for their settles to share a transaction.
  const bare = await cpuPerEmail("bare", FAST_RATE);
  const fast = await cpuPerEmail("send", FAST_RATE);
  const slow = await cpuPerEmail("send", SLOW_RATE);
  const sent = (await storedEmails(bench.endpoints.ses)).filter((email) => email.subject === content.title).length;
  reportFigures([
    figure(CASE, "bare loop CPU per email (warm)", round(bare, 3), "ms"),
    figure(CASE, `sender CPU per email (warm, ${FAST_RATE} emails/s)`, round(fast, 3), "ms"),
    figure(CASE, `sender / bare loop CPU per email (${FAST_RATE} emails/s)`, round(fast / bare, 2), "ratio", {
      op: "<=",
      value: MAX_RATIO,
    }),
    figure(CASE, `sender CPU per email (warm, ${SLOW_RATE} emails/s)`, round(slow, 3), "ms"),
    figure(CASE, `sender / bare loop CPU per email (${SLOW_RATE} emails/s)`, round(slow / bare, 2), "ratio"),
    figure(CASE, "emails in the SES emulator", sent, "emails", { op: "==", value: 3 * recipients }),
  ]);
} finally {
  await bench.stop();
  rmSync(outRoot, { recursive: true, force: true });
}
