import { useEmulators } from "@oemr-reg/local/aws-env";
import { inject } from "vitest";
import { ownStack, rememberTestStack } from "../support/stack.ts";

// Each test file gets a stack of its own in the shared emulators, linked as `sst dev` links one,
// before any handler module reads `Resource`.
useEmulators(inject("endpoints"));
rememberTestStack(await ownStack("t"));
