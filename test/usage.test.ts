import { gunzipSync } from "node:zlib";
import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { usageReportKey, usageReportsPk } from "@oemr-reg/core/state/keys";
import { app } from "@oemr-reg/functions/api";
import fc from "fast-check";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { openEmrClears, openEmrReport, telemetryPost } from "./support/openemr.ts";
import { serveForFile } from "./support/serve.ts";

const base = await serveForFile(app);
const db = createDocumentClient();

async function storedReport(siteId: string, date: string) {
  const { Item } = await db.send(
    new GetCommand({ TableName: Resource.State.name, Key: usageReportKey(siteId, date), ConsistentRead: true }),
  );
  return (
    Item && {
      expiresAt: Item.expiresAt as number,
      report: JSON.parse(gunzipSync(Item.report as Uint8Array).toString("utf8")) as Record<string, unknown>,
    }
  );
}

describe("POST /api/usage, as OpenEMR 7.0.3 and later report", () => {
  it("answers 201 {status: success}, which OpenEMR reads as done and clears its records", async () => {
    const siteId = crypto.randomUUID();
    const response = await telemetryPost(base, siteId, JSON.stringify(openEmrReport()));
    expect(response.status).toBe(201);
    expect(await openEmrClears(response.clone())).toBe(true);
    expect(await response.json()).toEqual({ status: "success" });
  });

  it(
    "keeps the report anonymous: country and region of the location, " + "no city or coordinates, no IP, a TTL",
    async () => {
      const siteId = crypto.randomUUID();
      expect((await telemetryPost(base, siteId, JSON.stringify(openEmrReport()))).status).toBe(201);
      const stored = (await storedReport(siteId, "20261201"))!;
      expect(stored.report).toMatchObject({
        siteId,
        reportingDate: "20261201",
        country: "US",
        region: "Oregon",
        version: "7.0.3 (4)",
        php: "8.3.9",
      });
      expect(stored.report.settings).toEqual({ portal_enabled: true });
      expect(stored.report.usageRecords).toHaveLength(5);
      const text = JSON.stringify(stored.report);
      for (const dropped of ["Portland", "45.52", "122.68", "latitude", "127.0.0.1"])
        expect(text).not.toContain(dropped);
      const days = (stored.expiresAt * 1000 - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(399);
      expect(days).toBeLessThan(401);
    },
  );

  it("replaces a resend of the same date, and keeps reports of other dates beside it", async () => {
    const siteId = crypto.randomUUID();
    expect((await telemetryPost(base, siteId, JSON.stringify(openEmrReport({ records: 1 })))).status).toBe(201);
    expect((await telemetryPost(base, siteId, JSON.stringify(openEmrReport({ records: 4 })))).status).toBe(201);
    expect((await telemetryPost(base, siteId, JSON.stringify(openEmrReport({ date: "20270103" })))).status).toBe(201);
    const { Items } = await db.send(
      new QueryCommand({
        TableName: Resource.State.name,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": usageReportsPk(siteId) },
        ConsistentRead: true,
      }),
    );
    expect(Items!.map((item) => item.sk)).toEqual([
      usageReportKey(siteId, "20261201").sk,
      usageReportKey(siteId, "20270103").sk,
    ]);
    expect((await storedReport(siteId, "20261201"))!.report.usageRecords).toHaveLength(6);
  });

  it("answers a clear 4xx to what it cannot take, and OpenEMR keeps its records for next time", async () => {
    const good = JSON.stringify(openEmrReport());
    const cases: [Promise<Response>, number, string][] = [
      [telemetryPost(base, undefined, good), 400, "InvalidSiteIdException"],
      [telemetryPost(base, "", good), 400, "InvalidSiteIdException"],
      [telemetryPost(base, "a/b", good), 400, "InvalidSiteIdException"],
      [telemetryPost(base, crypto.randomUUID(), "{not json"), 400, "MalformedRequestException"],
      [
        telemetryPost(base, crypto.randomUUID(), JSON.stringify({ usageRecords: "none", localeData: {} })),
        400,
        "InvalidUsageReportException",
      ],
      [
        telemetryPost(
          base,
          crypto.randomUUID(),
          JSON.stringify({ ...openEmrReport(), localeData: { ...openEmrReport().localeData, location: "{broken" } }),
        ),
        400,
        "InvalidUsageReportException",
      ],
      [
        telemetryPost(base, crypto.randomUUID(), JSON.stringify(openEmrReport({ date: "2026-12-01" }))),
        400,
        "InvalidUsageReportException",
      ],
      [
        telemetryPost(
          base,
          crypto.randomUUID(),
          JSON.stringify({
            ...openEmrReport(),
            usageRecords: Array(5_001).fill({ event_type: "menuClick", count: 1 }),
          }),
        ),
        400,
        "InvalidUsageReportException",
      ],
      [
        telemetryPost(
          base,
          crypto.randomUUID(),
          new URLSearchParams({ a: "b" }).toString(),
          "application/x-www-form-urlencoded",
        ),
        415,
        "UnsupportedMediaTypeException",
      ],
      [
        telemetryPost(base, crypto.randomUUID(), JSON.stringify({ pad: "x".repeat(3 * 1024 * 1024) })),
        413,
        "PayloadTooLargeException",
      ],
    ];
    for (const [sent, status, error] of cases) {
      const response = await sent;
      expect(response.status, error).toBe(status);
      expect(await openEmrClears(response.clone())).toBe(false);
      expect(await response.json()).toMatchObject({ error });
    }
  });

  it("never answers 5xx, whatever the body and SiteID", async () => {
    const body = fc.oneof(
      fc.json(),
      fc
        .jsonValue()
        .map((value) => JSON.stringify({ usageRecords: [value], localeData: { reporting_date: "20261201" } })),
      fc.jsonValue().map((value) =>
        JSON.stringify({
          ...openEmrReport({ records: 1 }),
          localeData: { ...openEmrReport().localeData, moduleCounts: value },
        }),
      ),
      fc.string({ unit: "binary", maxLength: 2000 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.option(fc.string({ maxLength: 80 })), body, async (siteId, sent) => {
        const response = await telemetryPost(base, siteId ?? undefined, sent);
        expect([201, 400, 413, 415]).toContain(response.status);
        expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      }),
      { numRuns: 200 },
    );
  });
});
