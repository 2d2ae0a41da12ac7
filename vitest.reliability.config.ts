import { defineConfig } from "vitest/config";

/**
 * `npm run test:reliability`: load, crashes, faults and hostile input against the same emulators
 * as `npm test`. Files run one at a time, so the load test has the machine to itself and no
 * file's figures are skewed by another's. Logs are kept at INFO, as deployed, so that the scan
 * for leaked addresses, PINs and tokens at the end reads what production would write.
 */
export default defineConfig({
  test: {
    include: ["test/reliability/**/*.test.ts"],
    globalSetup: ["test/setup/emulators.ts", "test/reliability/support/global.ts"],
    setupFiles: ["test/setup/stack.ts", "test/reliability/support/capture-logs.ts"],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    env: { LOG_LEVEL: "INFO" },
  },
});
