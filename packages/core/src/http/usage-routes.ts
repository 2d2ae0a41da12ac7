import { Hono } from "hono/tiny";
import type { WindowCounter } from "../limits/window-counter.ts";
import { logger } from "../log.ts";
import { ReportTooLargeError, type UsageStore } from "../usage/dynamo-store.ts";
import { limitBody, readBody } from "./body.ts";
import type { Auth } from "./caller.ts";
import { clientIp } from "./client-ip.ts";
import { ApiError, invalidInput } from "./errors.ts";
import { onlyQuery, queryValues } from "./known-query.ts";
import { JSON_TYPE } from "./media-types.ts";
import { enforceLimit } from "./rate-limit.ts";

export const MAX_USAGE_BYTES = 1024 * 1024;
/** The summary counts sites whose latest report came within this many days. */
export const SUMMARY_DAYS = 90;
const DAY_MS = 24 * 60 * 60 * 1000;

export type UsageRoutesDeps = {
  usage: UsageStore;
  /** Reports per caller IP in the current hour, and per site in the current day (`createWindowCounter`). */
  usageAttempts: { perIp: WindowCounter; perSite: WindowCounter };
  usageLimits: { perIpPerHour: number; perSitePerDay: number; retentionDays: number };
  auth: Auth;
  now: () => Date;
};

/**
 * Plain Hono, described by `usage-operations.ts`: a cold start loads no classic zod, and zod itself
 * loads with the first report parsed (issue #26).
 */
export function usageRoutes({ usage, usageAttempts, usageLimits, auth, now }: UsageRoutesDeps) {
  const pin = auth.need("compose");
  return new Hono()
    .post("/", limitBody(MAX_USAGE_BYTES), async (c) => {
      const { UsageQuery, UsageReport, storedReport } = await import("../usage/report.ts");
      const query = UsageQuery.safeParse(queryValues(c));
      if (!query.success) throw invalidInput("InvalidSiteIdException", query.error);
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
      const siteId = query.data.SiteID;
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
      logger.info("usage report stored", {
        reportingDate: report.reportingDate,
        records: report.usageRecords.length,
      });
      return c.json({ status: "success" as const }, 201);
    })
    .get("/summary", pin, onlyQuery(), async (c) => {
      const { summarize } = await import("../usage/summary.ts");
      const since = new Date(now().getTime() - SUMMARY_DAYS * DAY_MS);
      return c.json(summarize(await usage.snapshots(since), since), 200);
    });
}
