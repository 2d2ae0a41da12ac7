import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { WindowCounter } from "../limits/window-counter.ts";
import { logger } from "../log.ts";
import { ReportTooLargeError, type UsageStore } from "../usage/dynamo-store.ts";
import { MAX_USAGE_RECORDS, storedReport, UsageReport } from "../usage/report.ts";
import { summarize } from "../usage/summary.ts";
import { UsageAccepted, UsageSummaryBody } from "./api-schemas.ts";
import { limitBody, readBody } from "./body.ts";
import type { Auth } from "./caller.ts";
import { clientIp } from "./client-ip.ts";
import { ApiError, invalidInput } from "./errors.ts";
import { onlyQuery, UNKNOWN_QUERY_ERROR } from "./known-query.ts";
import { invalidRequestHook, JSON_TYPE, jsonError, PIN_OR_TOKEN, PUBLIC, retryAfter, schemaRef } from "./openapi.ts";
import { PIN_ERRORS } from "./pin-check.ts";
import { enforceLimit } from "./rate-limit.ts";

export const MAX_USAGE_BYTES = 1024 * 1024;
/** The summary counts sites whose latest report came within this many days. */
const SUMMARY_DAYS = 90;
const DAY_MS = 24 * 60 * 60 * 1000;

export type UsageRoutesDeps = {
  usage: UsageStore;
  /** Reports per caller IP in the current hour, and per site in the current day (`createWindowCounter`). */
  usageAttempts: { perIp: WindowCounter; perSite: WindowCounter };
  usageLimits: { perIpPerHour: number; perSitePerDay: number; retentionDays: number };
  auth: Auth;
  now: () => Date;
};

const SiteId = z
  .string({ error: "SiteID is required" })
  .trim()
  .min(1, "SiteID is required")
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, "letters, digits, dots, dashes and underscores")
  .meta({ param: { name: "SiteID", in: "query" }, description: "The installation's unique id" });

export function usageRoutes({ usage, usageAttempts, usageLimits, auth, now }: UsageRoutesDeps) {
  const pin = auth.need("compose");

  const app = new OpenAPIHono();
  const reportRoute = createRoute({
    method: "post",
    path: "/",
    operationId: "reportUsage",
    security: PUBLIC,
    summary: "Receive an installation's anonymous usage report",
    description:
      "What OpenEMR (7.0.3 and later) posts every 33 days, as JSON. It clears its records only on 200, 201 or 204 " +
      "with a non-empty JSON body, and sends them again next time otherwise. One report is kept per site and " +
      "reporting date (a resend replaces it), for the retention period; of `location` only country and region are " +
      `kept, and no IP is stored with it. At most ${MAX_USAGE_RECORDS} usage records a report.`,
    middleware: [limitBody(MAX_USAGE_BYTES)],
    request: {
      query: z.object({ SiteID: SiteId }),
      body: { required: true, content: { [JSON_TYPE]: { schema: schemaRef(app, "UsageReport", UsageReport) } } },
    },
    responses: {
      201: { description: "Stored", content: { [JSON_TYPE]: { schema: UsageAccepted } } },
      400: jsonError(
        "InvalidSiteIdException (missing or malformed SiteID), InvalidUsageReportException or " +
          "MalformedRequestException",
      ),
      413: jsonError(`PayloadTooLargeException: over ${MAX_USAGE_BYTES} bytes, or too large to keep`),
      415: jsonError("UnsupportedMediaTypeException: not JSON"),
      429: jsonError(
        "TooManyRequestsException: too many reports from this IP this hour, or for this site today",
        retryAfter,
      ),
    },
  });
  app.openapi(
    reportRoute,
    async (c) => {
      const mediaType = c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase();
      if (mediaType !== JSON_TYPE)
        throw new ApiError(415, "UnsupportedMediaTypeException", `Send the report as ${JSON_TYPE}`);
      await enforceLimit(
        usageAttempts.perIp,
        clientIp(c) ?? "unknown",
        usageLimits.perIpPerHour,
        now(),
        (minutes) => `Too many usage reports from this address: try again in ${minutes} minutes`,
      );
      const siteId = c.req.valid("query").SiteID;
      await enforceLimit(
        usageAttempts.perSite,
        siteId,
        usageLimits.perSitePerDay,
        now(),
        (minutes) => `Too many usage reports for this site: try again in ${minutes} minutes`,
      );
      const parsed = UsageReport.safeParse(await readBody(c));
      if (!parsed.success) throw invalidInput("InvalidUsageReportException", parsed.error);
      const at = now();
      const report = storedReport(siteId, parsed.data, at);
      try {
        await usage.save(report, new Date(at.getTime() + usageLimits.retentionDays * DAY_MS));
      } catch (error) {
        if (error instanceof ReportTooLargeError) throw new ApiError(413, "PayloadTooLargeException", error.message);
        throw error;
      }
      logger.info("usage report stored", { reportingDate: report.reportingDate, records: report.usageRecords.length });
      return c.json({ status: "success" as const }, 201);
    },
    invalidRequestHook("InvalidSiteIdException"),
  );

  const summaryRoute = createRoute({
    method: "get",
    path: "/summary",
    operationId: "usageSummary",
    summary: "What the sites report, for the board",
    description:
      `Sites whose latest report came in the last ${SUMMARY_DAYS} days, ` +
      "by OpenEMR version, country, distribution and PHP version; the most enabled modules and encounter forms; API " +
      "calls by kind. Read from one snapshot per site, kept as reports arrive.",
    security: PIN_OR_TOKEN,
    middleware: [pin, onlyQuery()],
    responses: {
      200: { description: "The summary", content: { [JSON_TYPE]: { schema: UsageSummaryBody } } },
      ...UNKNOWN_QUERY_ERROR,
      ...PIN_ERRORS,
    },
  });
  app.openapi(summaryRoute, async (c) => {
    const since = new Date(now().getTime() - SUMMARY_DAYS * DAY_MS);
    return c.json(summarize(await usage.snapshots(since), since), 200);
  });
  return app;
}
