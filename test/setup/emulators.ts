import { type Emulators, startEmulators } from "@oemr-reg/local/emulators";
import { freePort } from "@oemr-reg/local/ports";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    endpoints: Emulators["endpoints"];
    dynamodbLocal: string;
  }
}

export default async function startTestEmulators(project: TestProject) {
  const ports = { dynamodb: await freePort(), sqs: await freePort(), ses: await freePort() };
  const emulators = await startEmulators({ ports });
  project.provide("endpoints", emulators.endpoints);
  project.provide("dynamodbLocal", emulators.dynamodbLocal);
  // For the reliability summary, whose global setup runs in this same process.
  (globalThis as Record<symbol, unknown>)[Symbol.for("oemr-reg.emulators")] = emulators;
  return () => emulators.stop();
}
