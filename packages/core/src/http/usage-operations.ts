import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { MAX_USAGE_RECORDS, UsageQuery, UsageReport } from "../usage/report.ts";
import { UsageAccepted, UsageSummaryBody } from "./api-schemas.ts";
import {
  JSON_TYPE,
  jsonError,
  PIN_ERRORS,
  PIN_OR_TOKEN,
  PUBLIC,
  queryParameter,
  retryAfter,
  schemaRef,
  UNKNOWN_QUERY_ERROR,
} from "./openapi.ts";
import { MAX_USAGE_BYTES, SUMMARY_DAYS } from "./usage-routes.ts";

/**
 * What `usageRoutes` serves, for the OpenAPI document only: its routes are plain Hono, so that a
 * cold start loads none of this (issue #26). Mounted where they are, at `/api/usage`.
 */
export function usageOperations(): OpenAPIHono {
  const app = new OpenAPIHono();
  app.openAPIRegistry.registerPath(
    createRoute({
      method: "post",
      path: "/",
      operationId: "reportUsage",
      security: PUBLIC,
      summary: "Receive an installation's anonymous usage report",
      description:
        "What OpenEMR (7.0.3 and later) posts every 33 days, as JSON. It clears its records only on 200, 201 or 204 " +
        "with a non-empty JSON body, and sends them again next time otherwise. One report is kept per site and " +
        "reporting date (a resend replaces it), for the retention period; of `location` only country and region " +
        `are kept, and no IP is stored with it. At most ${MAX_USAGE_RECORDS} usage records a report.`,
      parameters: [queryParameter(UsageQuery.shape.SiteID)],
      request: {
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
    }),
  );
  app.openAPIRegistry.registerPath(
    createRoute({
      method: "get",
      path: "/summary",
      operationId: "usageSummary",
      summary: "What the sites report, for the board",
      description:
        `Sites whose latest report came in the last ${SUMMARY_DAYS} days, ` +
        "by OpenEMR version, country, distribution and PHP version; the most enabled modules and encounter forms; " +
        "API calls by kind. Read from one snapshot per site, kept as reports arrive.",
      security: PIN_OR_TOKEN,
      responses: {
        200: { description: "The summary", content: { [JSON_TYPE]: { schema: UsageSummaryBody } } },
        ...UNKNOWN_QUERY_ERROR,
        ...PIN_ERRORS,
      },
    }),
  );
  return app;
}
