import { SQSClient } from "@aws-sdk/client-sqs";
import type { Broadcast } from "@oemr-reg/core/broadcast";
import { type StackSpec, stack } from "@oemr-reg/core/resources";
import { startConsumers } from "@oemr-reg/local/consumers";
import type { ProvisionedStack } from "@oemr-reg/local/provision";
import { type StoredEmail, storedEmails } from "@oemr-reg/local/ses-store";
import { afterAll, inject } from "vitest";

// A test file that needs a stack of its own besides the one the setup gave it (other settings,
// another spec) provisions it in the shared emulators with the harness's defaults.
export { provisionOwnStack as ownStack } from "@oemr-reg/local/harness";

const KEY = Symbol.for("oemr-reg.test-stack");

/** Called by the setup file with the stack it provisioned for the current test file. */
export function rememberTestStack(provisioned: ProvisionedStack): void {
  (globalThis as Record<symbol, unknown>)[KEY] = provisioned;
}

/** The tables and queues of this test file's own stack. */
export function testStack(): ProvisionedStack {
  return (globalThis as Record<symbol, unknown>)[KEY] as ProvisionedStack;
}

/** Runs this file's queue consumers with the real handlers, as `npm start` does, until the file ends. */
export async function runStackConsumers(provisioned = testStack(), spec: StackSpec = stack): Promise<void> {
  const polling = new AbortController();
  const { stopped } = await startConsumers(spec, provisioned, new SQSClient({}), polling.signal);
  afterAll(async () => {
    polling.abort();
    await stopped;
  });
}

/** Every email the SES emulator holds with this subject. */
export async function emailsWithSubject(subject: string): Promise<StoredEmail[]> {
  return (await storedEmails(inject("endpoints").ses)).filter((email) => email.subject === subject);
}

/** Polls until `probe` returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A broadcast's progress once it is `done`, asked of the API with the PIN; fails after `timeoutMs`. */
export function untilBroadcastDone(
  base: string,
  pin: string,
  broadcastId: string,
  timeoutMs = 60_000,
): Promise<Broadcast> {
  return eventually(
    async () => {
      const response = await fetch(`${base}/api/registration/broadcast/${broadcastId}`, {
        headers: { "X-Secret-Pin": pin },
      });
      const progress = (await response.json()) as Broadcast;
      return progress.status === "done" ? progress : undefined;
    },
    timeoutMs,
    `broadcast ${broadcastId} to finish`,
  );
}
