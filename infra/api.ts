import {
  apiDomain,
  apiDomainCert,
  apiThrottleBurst,
  apiThrottleRate,
  dnsZone,
  publicUrl,
  registrationLimitPerHour,
  sesSendRate,
  usageLimitPerDay,
  usageLimitPerHour,
  usageRetentionDays,
} from "./config";

/** The public HTTP API; its one `$default` route is added where the function is (functions.ts). */
export const api = new sst.aws.ApiGatewayV2("Api", {
  domain: apiDomain && {
    name: apiDomain,
    dns: dnsZone ? sst.aws.dns({ zone: dnsZone }) : false,
    cert: apiDomainCert,
  },
  transform: {
    // Caps what a flood of registrations can cost; API Gateway answers 429 beyond it.
    stage: { defaultRouteSettings: { throttlingRateLimit: apiThrottleRate, throttlingBurstLimit: apiThrottleBurst } },
  },
});

/** Per-stage values the functions read as `Resource.Settings`. */
export const settings = new sst.Linkable("Settings", {
  properties: { sendRate: sesSendRate, publicUrl: publicUrl ?? api.url, registrationLimitPerHour, usageLimitPerHour, usageLimitPerDay, usageRetentionDays },
});
