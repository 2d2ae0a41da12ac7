import { interceptLocalhostDns } from "fauxqs";

export const LOCAL_REGION = "us-east-1";
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

/** Where the emulators of each AWS service this stack uses answer. */
export type EmulatorEndpoints = { dynamodb: string; sqs: string; sns: string; ses: string };

/**
 * Points every AWS SDK client this process creates from now on at the emulators. fauxqs names
 * its queues `http://sqs.<region>.localhost:<port>/...` and the SQS client sends to that host,
 * so `*.localhost` must resolve to loopback here, as RFC 6761 has it and glibc does not.
 */
export function useEmulators(endpoints: EmulatorEndpoints): void {
  Object.assign(process.env, awsEnvironment(endpoints));
  interceptLocalhostDns();
}

/**
 * The variables that point every AWS SDK client in this process at the emulators, so handlers
 * build their clients exactly as they do on Lambda (service-specific endpoint variables are read
 * by the SDK itself).
 */
function awsEnvironment(endpoints: EmulatorEndpoints): Record<string, string> {
  return {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_SNS: endpoints.sns,
    AWS_ENDPOINT_URL_SES: endpoints.ses,
  };
}
