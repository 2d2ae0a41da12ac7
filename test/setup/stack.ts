import { startHarness } from "@oemr-reg/local/harness";
import { inject } from "vitest";
import { rememberTestStack } from "../support/stack.ts";

// Each test file gets a stack of its own in the shared emulators, linked as `sst dev` links one,
// before any handler module reads `Resource`.
rememberTestStack((await startHarness({ label: "t", endpoints: inject("endpoints") })).provisioned);
