import type { Emulators } from "./emulators.ts";

export const LOCAL_REGION = "us-east-1";
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

/**
 * The variables that point every AWS SDK client in this process at the emulators, so handlers
 * build their clients exactly as they do on Lambda (service-specific endpoint variables are read
 * by the SDK itself).
 */
export function awsEnvironment(endpoints: Emulators["endpoints"]): Record<string, string> {
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
