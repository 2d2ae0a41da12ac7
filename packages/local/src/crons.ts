import type { CronSpec, StackSpec } from "@oemr-reg/core/resources";
import { loadHandler } from "./handlers.ts";
import { invokeScheduledHandler, type ScheduledHandler } from "./invoke.ts";

const UNIT_MS = {
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
} as const;

/** How often a `rate(...)` schedule runs, in milliseconds. */
export function scheduleMs(schedule: CronSpec["schedule"]): number {
  const [, amount, unit] = /^rate\((\d+) (\w+)\)$/.exec(schedule) ?? [];
  const ms = UNIT_MS[unit as keyof typeof UNIT_MS];
  if (!amount || !ms) throw new Error(`Unsupported schedule "${schedule}"`);
  return Number(amount) * ms;
}

/**
 * Runs each scheduled function of a stack on its schedule with the real handler, as EventBridge
 * does when deployed, until `signal` aborts. An invocation still running when the next is due
 * is not doubled.
 */
export async function startCrons(spec: StackSpec, signal: AbortSignal): Promise<void> {
  for (const [name, { schedule, function: fn }] of Object.entries(spec.crons)) {
    const invoke = invokeScheduledHandler({
      handler: await loadHandler<ScheduledHandler>(fn.handler),
      functionName: name,
      timeoutSeconds: fn.timeoutSeconds,
    });
    let running: Promise<void> | undefined;
    const timer = setInterval(() => {
      running ??= invoke().finally(() => (running = undefined));
    }, scheduleMs(schedule));
    signal.addEventListener("abort", () => clearInterval(timer), { once: true });
  }
}
