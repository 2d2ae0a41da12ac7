/**
 * `npm start`: the whole service on this machine, against real emulators.
 * @module
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { logger } from "@oemr-reg/core/log";
import { secretTooShort, stack } from "@oemr-reg/core/resources";
import { RUNNING_FILE, type RunningStart } from "@oemr-reg/core/running-start";
import { z } from "zod";
import { LocalConfig } from "./config.ts";
import { localSecrets } from "./secrets.ts";
import { type LocalStack, startLocalStack } from "./stack.ts";

const parsed = LocalConfig.safeParse(process.env);
if (!parsed.success) {
  console.error(`Invalid settings:\n${z.prettifyError(parsed.error)}`);
  process.exit(1);
}
const config = parsed.data;

let running: LocalStack | undefined;
let stopping = false;

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  if (running) rmSync(join(config.dataDir, RUNNING_FILE), { force: true });
  await running?.stop();
  process.exit(code);
}

process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));
process.on("uncaughtException", (error) => {
  logger.error("uncaught exception", { error: String(error), stack: error.stack });
  void shutdown(1);
});

const secrets = await localSecrets(stack.secrets, config.dataDir, process.env, config.mailer);
// The PIN is shown once, when made, for the board to type; keys are never shown. Both stay in
// DATA_DIR/secrets.json. Nothing secret is logged.
for (const name of secrets.generated) {
  const { env, generate } = stack.secrets[name as keyof typeof stack.secrets];
  const shown = generate === "pin" ? `: ${secrets.values[name]}` : ` in ${config.dataDir}/secrets.json`;
  console.error(`${name} generated for this data folder${shown} (set ${env} to choose your own)`);
}
for (const [name, spec] of Object.entries(stack.secrets)) {
  const tooShort = secretTooShort(name, spec, secrets.values[name] ?? "");
  if (!tooShort) continue;
  console.error(
    `${tooShort}: set ${spec.env} to a longer one, ` +
      `or delete ${name} from ${config.dataDir}/secrets.json to have one made`,
  );
  process.exit(1);
}

try {
  running = await startLocalStack({
    spec: stack,
    ...config,
    links: { secrets: secrets.values, Mailer: config.mailer, Settings: config.settings },
  });
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
// The board's CLI in this checkout reads it to find this API without --url.
const runningStart: RunningStart = { apiUrl: running.apiUrl, pid: process.pid };
writeFileSync(join(config.dataDir, RUNNING_FILE), `${JSON.stringify(runningStart)}\n`);
console.log(`API: ${running.apiUrl}`);
console.log(`MAIL: ${running.mailUrl}`);
logger.info("local stack started", { stage: config.stage, emulatorPorts: config.ports, dataDir: config.dataDir });
