import { apiRoutes } from "../packages/core/src/http/route-throttles";
import {
  accessLogRetention,
  apiDomain,
  apiDomainCert,
  apiThrottleBurst,
  apiThrottleRate,
  approvalHours,
  approvalsRequired,
  auditRetentionDays,
  deliveryRetentionDays,
  dnsZone,
  historyRetentionDays,
  pinRoutes,
  publicUrl,
  registrationLimitPerHour,
  sesSendRate,
  sourceIpWholeDays,
  usageLimitPerDay,
  usageLimitPerHour,
  usageRetentionDays,
} from "./config";

/**
 * What API Gateway logs of each request: the route's key, never the path, which holds the token of
 * an unsubscribe or confirmation link; no user agent. SST's default format records both.
 */
export const accessLogFormat = JSON.stringify({
  requestId: "$context.requestId",
  requestTime: "$context.requestTime",
  routeKey: "$context.routeKey",
  status: "$context.status",
  responseLatency: "$context.responseLatency",
  integrationError: "$context.integrationErrorMessage",
  sourceIp: "$context.identity.sourceIp",
});

const throttle = ({ rate, burst }: { rate: number; burst: number }) => ({
  throttlingRateLimit: rate,
  throttlingBurstLimit: burst,
});

// A stage's route settings name routes that must exist first, but SST creates the stage before any
// route: the stage waits for the routes, which `routeApi` creates.
let routesCreated: (routes: $util.Resource[]) => void;
const routes = new Promise<$util.Resource[]>((resolve) => (routesCreated = resolve));

/** The public HTTP API: no CORS (no browser calls it from another site), a throttle per route. */
export const api = new sst.aws.ApiGatewayV2("Api", {
  cors: false,
  accessLog: { retention: accessLogRetention },
  domain: apiDomain && {
    name: apiDomain,
    dns: dnsZone ? sst.aws.dns({ zone: dnsZone }) : false,
    cert: apiDomainCert,
  },
  transform: {
    stage: (args, opts) => {
      args.defaultRouteSettings = throttle({ rate: apiThrottleRate, burst: apiThrottleBurst });
      args.routeSettings = Object.entries(apiRoutes).flatMap(([routeKey, limit]) =>
        limit ? [{ routeKey, ...throttle(limit) }] : [],
      );
      args.accessLogSettings = $util.output(args.accessLogSettings).apply((settings) => ({
        destinationArn: settings!.destinationArn,
        format: accessLogFormat,
      }));
      opts.dependsOn = routes;
    },
  },
});

/** Routes every route of the API to the function that serves the Hono app, which answers 404 itself. */
export function routeApi(handlerArn: $util.Input<string>): void {
  routesCreated(Object.keys(apiRoutes).map((route) => api.route(route, handlerArn)));
}

/** Per-stage values the functions read as `Resource.Settings`. */
export const settings = new sst.Linkable("Settings", {
  properties: {
    sendRate: sesSendRate,
    publicUrl: publicUrl ?? api.url,
    registrationLimitPerHour,
    usageLimitPerHour,
    usageLimitPerDay,
    usageRetentionDays,
    auditRetentionDays,
    pinRoutes,
    deliveryRetentionDays,
    historyRetentionDays,
    approvalsRequired,
    approvalHours,
    sourceIpWholeDays,
  },
});
