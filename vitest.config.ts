import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "packages/*/src/**/*.test.ts"],
    // One set of emulators for the run; each test file provisions its own tables and queues in it.
    globalSetup: ["test/setup/emulators.ts"],
    setupFiles: ["test/setup/stack.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { POWERTOOLS_LOG_LEVEL: "ERROR", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
