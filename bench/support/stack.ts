import type { EmulatorEndpoints } from "@oemr-reg/local/aws-env";
import { type Harness, type HarnessOptions, startHarness } from "@oemr-reg/local/harness";

export const BENCH_PIN = "bench-pin-86420975";

export type BenchStackOptions = Pick<HarnessOptions, "consumers" | "api" | "sesProxy"> & {
  /** `Settings.sendRate`: emails per second all senders share. */
  sendRate?: number;
};

/**
 * The harness's stack for one case, in this process, with the bench's settings (nothing
 * rate-limited), in the emulators of this run: `BENCH_ENDPOINTS`, set by `bench/run.ts`, which
 * starts one set for the whole run; a case run alone starts its own. Each case runs in its own
 * process because handlers read `Resource` and SDK clients read their endpoints once per process.
 */
export function startBenchStack({ sendRate = 14, ...parts }: BenchStackOptions = {}): Promise<Harness> {
  const shared = process.env.BENCH_ENDPOINTS;
  return startHarness({
    ...parts,
    label: "bench",
    endpoints: shared ? (JSON.parse(shared) as EmulatorEndpoints) : undefined,
    pin: BENCH_PIN,
    unsubscribeKey: "bench-unsubscribe-key-0123456789abcdef",
    sender: "OpenEMR Announcements <noreply@bench.example.org>",
    configSet: "bench",
    settings: {
      sendRate,
      publicUrl: "https://reg.bench.example.org",
      registrationLimitPerHour: 1_000_000_000,
      usageLimitPerHour: 1_000_000_000,
      usageLimitPerDay: 1_000_000_000,
      usageRetentionDays: 400,
      auditRetentionDays: 730,
      pinRoutes: true,
    },
  });
}
