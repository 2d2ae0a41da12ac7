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

const outRoot = mkdtempSync(join(tmpdir(), "oemr-bench-sender-cpu-"));
const entries = { send: "packages/functions/src/send.ts", bare: "bench/fixtures/bare-send.ts" } as const;
const building = Promise.all(
  Object.entries(entries).map(async ([name, entry]) => {
    mkdirSync(join(outRoot, name));
    return [name, await bundleHandler(entry, join(outRoot, name))] as const;
  }),
);
// Pacing waits without CPU; a rate above the run's keeps the run short.
const bench = await startBenchStack({ sendRate: 500 });
try {
  const bundles = Object.fromEntries(await building) as unknown as Record<keyof typeof entries, { file: string }>;
  const { tables, queues } = bench.provisioned;
  const broadcasts = createDynamoBroadcastStore({ db: bench.db, stateTable: tables.State! });
  const broadcastId = crypto.randomUUID();
  const content = { title: "Bench sender CPU", contents: "# OpenEMR 7.0.3\n\nPlease upgrade.\n\n- one\n- two\n" };
  await broadcasts.create({
    broadcastId,
    content: { ...content, rendered: await renderAndPack(content) },
    totalSegments: 1,
    now: new Date(),
  });
  const recipients = EMAILS + BATCH;
  await seedRegistrations(bench.db, { registrations: tables.Registrations!, state: tables.State! }, 0, recipients);
  const emails = Array.from({ length: recipients }, (_, i) => benchAddress(i).toLowerCase());
  await broadcasts.addRecipients({ broadcastId, createdAt: new Date().toISOString(), now: new Date() }, emails);
  const events = Array.from({ length: recipients / BATCH }, (_, i) =>
    sqsEvent(
      queues.Send!.arn,
      emails.slice(i * BATCH, (i + 1) * BATCH).map((email) => ({ broadcastId, email })),
    ),
  );
  const env = { ...process.env, POWERTOOLS_LOG_LEVEL: "ERROR" };
  const cpuPerEmail = {} as Record<keyof typeof entries, number>;
  for (const name of Object.keys(entries) as (keyof typeof entries)[]) {
    const report = await invokeBundle(bundles[name].file, events, { env, timeoutSeconds: 120 });
    const failed = report.responses.flatMap((answer) => (answer as { batchItemFailures: unknown[] }).batchItemFailures);
    if (failed.length > 0) throw new Error(`${name}: ${failed.length} tasks failed`);
    cpuPerEmail[name] = report.warmCpuMs / EMAILS;
    progress(`${name}: ${recipients} emails, ${round(cpuPerEmail[name], 3)} ms CPU each after the first batch`);
  }
  const sent = (await storedEmails(bench.endpoints.ses)).filter((email) => email.subject === content.title).length;
  reportFigures([
    figure(CASE, "sender CPU per email (warm)", round(cpuPerEmail.send, 3), "ms"),
    figure(CASE, "bare loop CPU per email (warm)", round(cpuPerEmail.bare, 3), "ms"),
    figure(CASE, "sender / bare loop CPU per email", round(cpuPerEmail.send / cpuPerEmail.bare, 2), "ratio", {
      op: "<=",
      value: MAX_RATIO,
    }),
    figure(CASE, "emails in the SES emulator", sent, "emails", { op: "==", value: 2 * recipients }),
  ]);
} finally {
  await bench.stop();
  rmSync(outRoot, { recursive: true, force: true });
}
