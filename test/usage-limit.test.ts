import { describe, expect, it } from "vitest";
import { serveForFile } from "./support/serve.ts";
import { ownStack } from "./support/stack.ts";

// This file's stack takes 2 reports a day per site and 4 an hour per IP, as the stage settings would.
await ownStack("usagelimit", { settings: { usageLimitPerDay: 2, usageLimitPerHour: 4 } });
const { app } = await import("@oemr-reg/functions/api");
const base = await serveForFile(app);

const report = JSON.stringify({ usageRecords: [], localeData: { reporting_date: "20261201" } });
const send = (siteId: string) =>
  fetch(`${base}/api/usage?SiteID=${siteId}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: report,
  });

describe("usage report limits", () => {
  it(
    "answers 429 with Retry-After past the reports a site may send a day, " + "then past the caller's hourly limit",
    async () => {
      const site = crypto.randomUUID();
      expect((await send(site)).status).toBe(201);
      expect((await send(site)).status).toBe(201);
      const perSite = await send(site);
      expect(perSite.status).toBe(429);
      expect(Number(perSite.headers.get("retry-after"))).toBeGreaterThan(23 * 3600);
      expect(await perSite.json()).toMatchObject({ error: "TooManyRequestsException" });

      expect((await send(crypto.randomUUID())).status).toBe(201);
      const perIp = await send(crypto.randomUUID());
      expect(perIp.status).toBe(429);
      expect(Number(perIp.headers.get("retry-after"))).toBeLessThanOrEqual(3600);
    },
  );
});
