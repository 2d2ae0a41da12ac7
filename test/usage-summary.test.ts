import { app } from "@oemr-reg/functions/api";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { openEmrReport, telemetryPost } from "./support/openemr.ts";
import { serveForFile } from "./support/serve.ts";

// A file of its own, so that its stack holds only the sites reported here.
const base = await serveForFile(app);
type Tally = { name: string; sites: number };
type Summary = {
  sites: number;
  byVersion: Tally[];
  byCountry: Tally[];
  byDistribution: Tally[];
  byPhp: Tally[];
  modules: Tally[];
  encounterForms: Tally[];
  api: unknown[];
};
const byName = (tallies: Tally[]) => Object.fromEntries(tallies.map(({ name, sites }) => [name, sites]));

describe("GET /api/usage/summary", () => {
  it("wants the PIN", async () => {
    expect((await fetch(`${base}/api/usage/summary`)).status).toBe(401);
  });

  it(
    "counts each site once, by its latest report: " +
      "versions, countries, PHP, modules, encounter forms and API calls",
    async () => {
      const [a, b] = [crypto.randomUUID(), crypto.randomUUID()];
      const post = (siteId: string, options: Parameters<typeof openEmrReport>[0]) =>
        telemetryPost(base, siteId, JSON.stringify(openEmrReport(options)));
      expect((await post(a, { version: "7.0.2", date: "20261001" })).status).toBe(201);
      expect((await post(a, { version: "7.0.3.4", date: "20261103" })).status).toBe(201);
      // An older report arriving late is kept, but does not replace the site's latest.
      expect((await post(a, { version: "7.0.1", date: "20260901" })).status).toBe(201);
      expect((await post(b, { version: "8.0.0", country: "DE", php: "8.4.1" })).status).toBe(201);

      const response = await fetch(`${base}/api/usage/summary`, {
        headers: { "X-Secret-Pin": Resource.SecretPin.value },
      });
      expect(response.status).toBe(200);
      const summary = (await response.json()) as Summary;
      expect(summary.sites).toBe(2);
      expect(byName(summary.byVersion)).toEqual({ "7.0.3.4": 1, "8.0.0": 1 });
      expect(byName(summary.byCountry)).toEqual({ US: 1, DE: 1 });
      expect(byName(summary.byPhp)).toEqual({ "8.3.9": 1, "8.4.1": 1 });
      expect(byName(summary.byDistribution)).toEqual({ unknown: 2 });
      expect(byName(summary.modules)).toEqual({ "Claim Revenue Cycle": 2, Weno: 2 });
      expect(byName(summary.encounterForms)).toEqual({ SOAP: 2, Vitals: 2 });
      expect(summary.api).toEqual([{ name: "GET /apis/default/api/patient/:id", calls: 84, sites: 2 }]);
    },
  );
});
