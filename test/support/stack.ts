import { SQSClient } from "@aws-sdk/client-sqs";
import { type StackSpec, stack } from "@oemr-reg/core/resources";
import { startConsumers } from "@oemr-reg/local/consumers";
import { type LinkValues, type ProvisionedStack, provisionAndLink } from "@oemr-reg/local/provision";
import { afterAll, inject } from "vitest";

const KEY = Symbol.for("oemr-reg.test-stack");

export type OwnStackOptions = {
  spec?: StackSpec;
  pin?: string;
  sender?: string;
  settings?: Partial<LinkValues["Settings"]>;
};

/**
 * Provisions a stack for this test file alone in the shared emulators and links it into the
 * process, before any handler module is imported. The defaults send fast and never rate-limit
 * registrations; a file that tests those passes its own settings.
 */
export function ownStack(
  label: string,
  { spec = stack, pin = "board-pin-24681357", sender = "OpenEMR Announcements <noreply@test.example.org>", settings = {} }: OwnStackOptions = {},
): Promise<ProvisionedStack> {
  return provisionAndLink(spec, `${label}${crypto.randomUUID().slice(0, 8)}`, {
    secrets: { SecretPin: pin, UnsubscribeKey: crypto.randomUUID(), UnsubscribeKeyPrevious: "" },
    Mailer: { sender, configSet: "test" },
    Settings: {
      sendRate: 500,
      publicUrl: "https://reg.test.example.org",
      registrationLimitPerHour: 1_000_000,
      usageLimitPerHour: 1_000_000,
      usageLimitPerDay: 1_000_000,
      usageRetentionDays: 400,
      ...settings,
    },
  });
}

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

export type StoredEmail = {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { html?: string; text?: string };
  at: number;
};

/** Every email the SES emulator holds with this subject. */
export async function emailsWithSubject(subject: string): Promise<StoredEmail[]> {
  const response = await fetch(`${inject("endpoints").ses}/store`);
  const { emails } = (await response.json()) as { emails: StoredEmail[] };
  return emails.filter((email) => email.subject === subject);
}

/** Polls until `probe` returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
