import type { Emulators } from "@oemr-reg/local/emulators";
import { startEmulatorsOnFreePorts } from "@oemr-reg/local/harness";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    endpoints: Emulators["endpoints"];
    dynamodbLocal: string;
  }
}

export default async function startTestEmulators(project: TestProject) {
  const emulators = await startEmulatorsOnFreePorts();
  project.provide("endpoints", emulators.endpoints);
  project.provide("dynamodbLocal", emulators.dynamodbLocal);
  // For the reliability summary, whose global setup runs in this same process.
  (globalThis as Record<symbol, unknown>)[Symbol.for("oemr-reg.emulators")] = emulators;
  return () => emulators.stop();
}
