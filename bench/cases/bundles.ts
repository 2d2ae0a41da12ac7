/**
 * Case 5: each Lambda handler bundled as SST bundles it, its size, and the time a fresh Node
 * process takes to import it and answer a first real event against the running stack, as a ratio
 * against its floor (bench/fixtures/floors/: the same SDK clients, with the SDK's defaults, making
 * the same AWS calls, and nothing else) and against a hello-world handler, all bundled the same way.
 * @module
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDynamoBroadcastStore } from "@oemr-reg/core/broadcast";
import { renderAndPack } from "@oemr-reg/core/broadcast/rendered-parts";
import { httpApiEvent, scheduledEvent, snsEvent, sqsEvent } from "@oemr-reg/local/lambda-events";
import { type Bundle, bundleHandler, invokeBundle, ROOT } from "../support/bundle.ts";
import { type Figure, figure, progress, reportFigures, scale } from "../support/figures.ts";
import { benchAddress, seedRegistrations } from "../support/seed.ts";
import { startBenchStack } from "../support/stack.ts";
import { median, round } from "../support/stats.ts";

const CASE = "bundles";
// Quick: one timed run, after the untimed one that warms the page cache and records what loads.
const RUNS = scale(10);
/** Issue #26's targets: a cold start at most 1.2 times its floor's; the API's first load 100 KB over the floor's. */
const MAX_FLOOR_RATIO = 1.2;
const API_MAX_KB_OVER_FLOOR = 100;

// The scheduled ones run on their schedule (`packages/core/src/schedules.ts`): the daily sweep of
// source IPs is cold every time, the tallies every 15 minutes most times.
const handlers = ["api", "fanout", "send", "ses-events", "embargo", "requeue", "source-ips", "tallies"] as const;
type Handler = (typeof handlers)[number];
const entries = {
  hello: "bench/fixtures/hello.ts",
  ...(Object.fromEntries(handlers.map((name) => [name, `packages/functions/src/${name}.ts`])) as Record<
    Handler,
    string
  >),
  ...(Object.fromEntries(handlers.map((name) => [`${name}-floor`, `bench/fixtures/floors/${name}.ts`])) as Record<
    `${Handler}-floor`,
    string
  >),
};
type Name = keyof typeof entries;

const outRoot = mkdtempSync(join(tmpdir(), "oemr-bench-bundles-"));
// Bundling needs no stack, so it runs while the stack starts.
const building = Promise.all(
  (Object.entries(entries) as [Name, string][]).map(async ([name, entry]) => {
    const outDir = join(outRoot, name);
    mkdirSync(outDir);
    return [name, await bundleHandler(entry, outDir, { floor: name.endsWith("-floor") })] as const;
  }),
);
const bench = await startBenchStack();
try {
  const bundles = Object.fromEntries(await building) as Record<Name, Bundle>;
  const kb = (bytes: number) => round(bytes / 1024, 1);
  const total = (chunks: Record<string, number>) => Object.values(chunks).reduce((sum, bytes) => sum + bytes, 0);
  progress(
    `bundled: ${Object.entries(bundles)
      .map(([name, { chunks }]) => `${name} ${kb(total(chunks))} KB`)
      .join(", ")}`,
  );

  // Real first events: the count, one fan-out segment, one recipient's email, one SES delivery
  // notice, and each scheduled function's run.
  const { tables, queues, topics } = bench.provisioned;
  const broadcasts = createDynamoBroadcastStore({ db: bench.db, stateTable: tables.State! });
  const broadcastId = crypto.randomUUID();
  const content = { title: "Bench cold start", contents: "# OpenEMR 7.0.3\n\nPlease upgrade." };
  // Stored as `startBroadcast` stores it: with its rendered parts.
  const rendered = await renderAndPack(content);
  await broadcasts.create({ broadcastId, content: { ...content, rendered }, totalSegments: 4, now: new Date() });
  const recipients = RUNS + 1;
  await seedRegistrations(bench.db, { registrations: tables.Registrations!, state: tables.State! }, 0, recipients);
  const emails = Array.from({ length: recipients }, (_, i) => benchAddress(i).toLowerCase());
  await broadcasts.addRecipients({ broadcastId, createdAt: new Date().toISOString(), now: new Date() }, emails);

  // One of the SES notifications the tests record.
  const sesDelivery = readFileSync(join(ROOT, "test/fixtures/ses/identity-delivery.json"), "utf8");
  const eventFor = (entry: Name, run: number): unknown => {
    const name = entry.replace(/-floor$/, "") as Handler | "hello";
    switch (name) {
      case "hello":
        return {};
      case "api":
        return httpApiEvent({ method: "GET", path: "/api/registration/unique" });
      case "fanout":
        return sqsEvent(queues.Fanout!.arn, [{ broadcastId, segment: run % 4, totalSegments: 4 }]);
      case "send":
        return sqsEvent(queues.Send!.arn, [{ broadcastId, email: emails[run]! }]);
      case "ses-events":
        return snsEvent(topics.SesEvents!, sesDelivery);
      default:
        return scheduledEvent(name);
    }
  };

  const samples = Object.fromEntries(
    Object.keys(entries).map((name) => [name, { answer: [] as number[], load: [] as number[] }]),
  ) as Record<Name, { answer: number[]; load: number[] }>;
  const env = { ...process.env, LOG_LEVEL: "ERROR" };
  // The bytes a cold start reads: the entry and every chunk imported until the first answer.
  const firstEventBytes = {} as Record<Name, number>;
  const firstEventCalls = {} as Record<Name, string[]>;
  // Run 0 warms the page cache and records what loads, so it is not timed; runs alternate between
  // handlers so drift hits all alike.
  for (let run = 0; run <= RUNS; run++) {
    for (const name of Object.keys(entries) as Name[]) {
      const { chunks, file } = bundles[name];
      const report = await invokeBundle(file, [eventFor(name, run)], { env, recordLoads: run === 0 });
      checkAnswer(name, report.responses[0]);
      if (run === 0) {
        firstEventCalls[name] = report.awsCalls ?? [];
        firstEventBytes[name] = [...new Set(report.loadedFiles)].reduce(
          (sum, loaded) => sum + (chunks[loaded] ?? 0),
          0,
        );
        continue;
      }
      samples[name].answer.push(report.firstAnswerMs);
      samples[name].load.push(report.importMs);
    }
  }
  progress(`cold starts: ${RUNS} runs each`);
  checkFloorCalls(firstEventCalls);

  const hello = median(samples.hello.answer);
  const coldMs = (name: Name) => median(samples[name].answer);
  const figures: Figure[] = [];
  for (const name of Object.keys(entries) as Name[]) {
    figures.push(
      figure(CASE, `${name} bundle size, entry and the chunks a first event loads`, kb(firstEventBytes[name]), "KB"),
      figure(CASE, `${name} bundle size, all chunks`, kb(total(bundles[name].chunks)), "KB"),
      figure(CASE, `${name} process start to first answer (median)`, round(coldMs(name), 1), "ms"),
      figure(CASE, `${name} bundle import (median)`, round(median(samples[name].load), 1), "ms"),
    );
  }
  for (const name of handlers) {
    const floor = `${name}-floor` as const;
    figures.push(
      figure(CASE, `${name} cold start / floor`, round(coldMs(name) / coldMs(floor), 2), "ratio", {
        op: "<=",
        value: MAX_FLOOR_RATIO,
      }),
      figure(CASE, `${name} cold start / hello-world`, round(coldMs(name) / hello, 2), "ratio"),
      figure(
        CASE,
        `${name} first load over its floor's`,
        kb(firstEventBytes[name] - firstEventBytes[floor]),
        "KB",
        name === "api" ? { op: "<=", value: API_MAX_KB_OVER_FLOOR } : undefined,
      ),
    );
  }
  reportFigures(figures);
} finally {
  await bench.stop();
  rmSync(outRoot, { recursive: true, force: true });
}

/** A floor is only a floor if it makes the AWS calls its handler's first event makes, no more, no fewer. */
function checkFloorCalls(calls: Record<Name, string[]>): void {
  const sorted = (list: string[]) => [...list].sort().join(" ");
  const unlike = handlers
    .filter((name) => sorted(calls[name]) !== sorted(calls[`${name}-floor`]))
    .map(
      (name) => `${name}'s floor makes other AWS calls: handler [${calls[name]}], floor [${calls[`${name}-floor`]}]`,
    );
  if (unlike.length > 0) throw new Error(unlike.join("\n"));
}

/** A cold start only counts if the handler did its job. */
function checkAnswer(entry: Name, response: unknown): void {
  const name = entry.replace(/-floor$/, "");
  const value = response as { statusCode?: number; batchItemFailures?: unknown[] } | undefined;
  // The SNS-fed and scheduled handlers answer nothing: a failure is a throw, which invokeBundle reports.
  const ok =
    name === "api" || name === "hello"
      ? value?.statusCode === 200
      : name === "fanout" || name === "send"
        ? Array.isArray(value?.batchItemFailures) && value.batchItemFailures.length === 0
        : true;
  if (!ok) throw new Error(`${name} answered ${JSON.stringify(response)}`);
}
