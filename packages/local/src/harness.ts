/**
 * The stack for tests and the bench: `npm start`'s parts (`stack.ts`) in emulators on free ports,
 * or in emulators a whole run shares, under a stage of its own, with test settings, and with the
 * SES recording proxy in front of the SES emulator when asked.
 * @module
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { type StackSpec, stack } from "@oemr-reg/core/resources";
import type { EmulatorEndpoints } from "./aws-env.ts";
import { type EmulatorPorts, type Emulators, startEmulators } from "./emulators.ts";
import { freePort } from "./ports.ts";
import { type LinkValues, type ProvisionedStack, provisionAndLink } from "./provision.ts";
import { type FaultRule, type SesProxy, startSesProxy } from "./ses-proxy.ts";
import { generateSigningKey } from "./signing-key.ts";
import { runStack } from "./stack.ts";

export async function freeEmulatorPorts(): Promise<EmulatorPorts> {
  return { dynamodb: await freePort(), sqs: await freePort(), ses: await freePort() };
}

/** The emulators, in memory, on free ports: for a test run or a bench run to share. */
export async function startEmulatorsOnFreePorts(): Promise<Emulators> {
  return startEmulators({ ports: await freeEmulatorPorts() });
}

export type OwnStackOptions = {
  spec?: StackSpec;
  pin?: string;
  /** The key that signs unsubscribe links; a new one each time when unset. */
  unsubscribeKey?: string;
  /** The armored OpenPGP key that signs email; a new one each time when unset. */
  signingKey?: string;
  /** Armored public keys retired by a rotation; none when unset. */
  signingKeysRetired?: string;
  sender?: string;
  configSet?: string;
  settings?: Partial<LinkValues["Settings"]>;
};

/**
 * The values linked into a harness's stack. The defaults send fast and never rate-limit; a caller
 * that measures or tests those passes its own settings.
 */
async function linkValues({
  pin = "board-pin-24681357",
  unsubscribeKey = crypto.randomUUID(),
  sender = "OpenEMR Announcements <noreply@test.example.org>",
  signingKey,
  signingKeysRetired = "",
  configSet = "test",
  settings,
}: OwnStackOptions): Promise<LinkValues> {
  return {
    secrets: {
      SecretPin: pin,
      UnsubscribeKey: unsubscribeKey,
      UnsubscribeKeyPrevious: "",
      SigningKey: signingKey ?? (await generateSigningKey(sender)),
      SigningKeysRetired: signingKeysRetired,
    },
    Mailer: { sender, configSet },
    Settings: {
      sendRate: 500,
      publicUrl: "https://reg.test.example.org",
      registrationLimitPerHour: 1_000_000,
      usageLimitPerHour: 1_000_000,
      usageLimitPerDay: 1_000_000,
      usageRetentionDays: 400,
      auditRetentionDays: 730,
      pinRoutes: true,
      deliveryRetentionDays: 90,
      historyRetentionDays: 730,
      approvalsRequired: 1,
      approvalHours: 72,
      sourceIpWholeDays: 30,
      ...settings,
    },
  };
}

/** A stage of its own: `label` and a random suffix. */
const ownStage = (label: string) => `${label}${crypto.randomUUID().slice(0, 8)}`;

/**
 * Provisions a stack of its own in the emulators this process already uses, and links it into the
 * process, before any handler module is imported.
 */
export async function provisionOwnStack(label: string, options: OwnStackOptions = {}): Promise<ProvisionedStack> {
  return provisionAndLink(options.spec ?? stack, ownStage(label), await linkValues(options));
}

export type HarnessOptions = OwnStackOptions & {
  /** Starts the stage's name, which a random suffix makes this harness's own. */
  label: string;
  /** Emulators already running (a test run's, a bench run's); else the harness starts its own. */
  endpoints?: EmulatorEndpoints;
  /** Put the SES proxy (`ses-proxy.ts`) between the senders and the SES emulator. */
  sesProxy?: boolean | { fault: FaultRule };
  /** Run the queue consumers with the real handlers, as `npm start` does. */
  consumers?: boolean;
  /** Serve the API on a free port. */
  api?: boolean;
};

export type Harness = {
  /** The emulators' endpoints (the SES emulator itself, not the proxy). */
  endpoints: EmulatorEndpoints;
  provisioned: ProvisionedStack;
  /** The API's URL when it is served, else "". */
  apiUrl: string;
  /** A document client built as the handlers build theirs. */
  db: DynamoDBDocumentClient;
  ses?: SesProxy;
  stop(): Promise<void>;
};

/**
 * A stack of its own, its AWS clients pointed at the emulators and its resources linked into this
 * process before any handler module is imported (handlers read `Resource`, and SDK clients their
 * endpoints, once per process), with the parts asked for running.
 */
export async function startHarness({
  label,
  endpoints,
  sesProxy,
  consumers,
  api,
  ...own
}: HarnessOptions): Promise<Harness> {
  const emulators: Pick<Emulators, "endpoints" | "stop"> = endpoints
    ? { endpoints, stop: async () => {} }
    : await startEmulatorsOnFreePorts();
  let ses: SesProxy | undefined;
  try {
    if (sesProxy) ses = await startSesProxy(emulators.endpoints.ses, sesProxy === true ? {} : sesProxy);
    const { provisioned, apiPort, stop } = await runStack({
      spec: own.spec ?? stack,
      stage: ownStage(label),
      links: await linkValues(own),
      endpoints: { ...emulators.endpoints, ses: ses?.url ?? emulators.endpoints.ses },
      consumers,
      apiPort: api ? 0 : undefined,
    });
    return {
      endpoints: emulators.endpoints,
      provisioned,
      apiUrl: apiPort === undefined ? "" : `http://127.0.0.1:${apiPort}`,
      db: createDocumentClient(),
      ses,
      async stop() {
        await stop();
        await ses?.close();
        await emulators.stop();
      },
    };
  } catch (error) {
    await ses?.close();
    await emulators.stop();
    throw error;
  }
}
