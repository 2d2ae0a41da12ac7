import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "packages/*/src/**/*.test.ts"],
    // `npm run test:reliability` runs these, with a setup of its own (vitest.reliability.config.ts).
    exclude: ["test/reliability/**", "**/node_modules/**"],
    // One set of emulators for the run; each test file provisions its own tables and queues in it.
    globalSetup: ["test/setup/emulators.ts"],
    setupFiles: ["test/setup/stack.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { LOG_LEVEL: "ERROR" },
  },
});
