import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { appName, stack } from "@oemr-reg/core/resources";
import { useEmulators } from "@oemr-reg/local/aws-env";
import { linkEnvironment, provisionStack } from "@oemr-reg/local/provision";
import { inject } from "vitest";
import { rememberTestStack } from "../support/stack.ts";

// Each test file gets a stack of its own in the shared emulators, linked as `sst dev` links one,
// before any handler module reads `Resource`.
useEmulators(inject("endpoints"));
const stage = `t${crypto.randomUUID().slice(0, 8)}`;
const clients = { dynamodb: new DynamoDBClient({}), sqs: new SQSClient({}), sns: new SNSClient({}) };
const provisioned = await provisionStack(stack, `${appName}-${stage}`, clients);
rememberTestStack(provisioned);
Object.assign(
  process.env,
  linkEnvironment({ name: appName, stage }, provisioned, {
    secrets: { SecretPin: "24681357", UnsubscribeKey: crypto.randomUUID() },
    Mailer: { sender: "OpenEMR Announcements <noreply@test.example.org>", configSet: "test" },
    Settings: { sendRate: 500, publicUrl: "https://reg.test.example.org", registrationLimitPerHour: 1_000_000 },
  }),
);
