import { defineConfig } from "vitest/config";

// The SDK warns once per process that Node 20 support ends in 2027; Lambda runs Node 22.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

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
    env: { POWERTOOLS_LOG_LEVEL: "ERROR" },
  },
});
