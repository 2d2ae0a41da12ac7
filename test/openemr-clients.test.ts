import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { healthRoutes } from "@oemr-reg/core/http/health-routes";
import { createDynamoRegistrationStore } from "@oemr-reg/core/registration";
import { app } from "@oemr-reg/functions/api";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { httpBuildQuery } from "./support/openemr.ts";
import { checkedForFile, serveForFile, uniqueEmail } from "./support/serve.ts";

// Requests exactly as OpenEMR 7 and 8 send them (src/Services/ProductRegistrationService.php):
// `http_build_query` of email, version and, in Docker, distribution, as a form, no other header.
// OpenEMR reads only the status: 201 is success, anything else "Server error: try again later".
const base = await serveForFile(app);
const registrations = createDynamoRegistrationStore({
  db: createDocumentClient(),
  registrationsTable: Resource.Registrations.name,
  stateTable: Resource.State.name,
});

function openEmrRegisters(fields: Record<string, string>): Promise<Response> {
  return fetch(`${base}/api/registration`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: httpBuildQuery(fields),
  });
}

const counts = async () =>
  (await (await fetch(`${base}/api/registration/unique`)).json()) as { count: number; active: number };

describe("OpenEMR 7 and 8 registering again after an upgrade", () => {
  it("answers 201 with the same product id, records the version as the latest, and counts nobody twice", async () => {
    const email = uniqueEmail("Upgrader");
    const first = await openEmrRegisters({ email, version: "7.0.3 (4)", distribution: "aws-standard" });
    expect(first.status).toBe(201);
    const { productId } = (await first.json()) as { productId: string };
    const before = await counts();

    const upgraded = await openEmrRegisters({ email, version: "7.0.4" });
    expect(upgraded.status).toBe(201);
    expect(await upgraded.json()).toEqual({ productId });
    expect(await counts()).toEqual(before);

    const stored = await registrations.get(email.toLowerCase());
    expect(stored).toMatchObject({
      productId,
      version: "7.0.3 (4)",
      distribution: "aws-standard",
      latestVersion: "7.0.4",
      status: "active",
    });
    expect(stored!.latestDistribution).toBeUndefined();
    expect(Date.parse(stored!.latestReportedAt!)).toBeGreaterThan(Date.now() - 60_000);
    const reports = (await registrations.history(email.toLowerCase())).filter((change) => change.type === "Reported");
    expect(reports).toEqual([
      expect.objectContaining({ previousVersion: "7.0.3 (4)", version: "7.0.4", productId, sourceIp: "127.0.0.1" }),
    ]);

    const again = await openEmrRegisters({
      email: email.toUpperCase(),
      version: "8.0.0-dev.2",
      distribution: "lightsail",
    });
    expect(again.status).toBe(201);
    expect(await registrations.get(email.toLowerCase())).toMatchObject({
      latestVersion: "8.0.0-dev.2",
      latestDistribution: "lightsail",
    });
    const latest = (await registrations.history(email.toLowerCase()))
      .filter((change) => change.type === "Reported")
      .at(-1);
    expect(latest).toMatchObject({ previousVersion: "7.0.4", version: "8.0.0-dev.2" });
  });

  it(
    "keeps 409 for a registered address without a version, " + "as OpenEMR 5 and the 2016 API's clients expect",
    async () => {
      const email = uniqueEmail();
      expect((await openEmrRegisters({ email, version: "7.0.3.4" })).status).toBe(201);
      const duplicate = await openEmrRegisters({ email });
      expect(duplicate.status).toBe(409);
      expect(await duplicate.json()).toMatchObject({ error: "AlreadyRegisteredException" });
    },
  );

  it("answers every one of 20 concurrent upgrade reports of one address 201, with one product id", async () => {
    const email = uniqueEmail();
    const first = await openEmrRegisters({ email, version: "7.0.2" });
    const { productId } = (await first.json()) as { productId: string };
    const before = await counts();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => openEmrRegisters({ email, version: `7.0.3.${i}` })),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(201));
    expect(
      new Set(
        await Promise.all(answers.map(async (answer) => ((await answer.json()) as { productId: string }).productId)),
      ),
    ).toEqual(new Set([productId]));
    expect(await counts()).toEqual(before);
    expect(
      (await registrations.history(email.toLowerCase())).filter((change) => change.type === "Reported"),
    ).toHaveLength(20);
  });
});

describe("GET /api/registration/versions", () => {
  it("wants the PIN, then counts active registrations by latest reported version and by distribution", async () => {
    expect((await fetch(`${base}/api/registration/versions`)).status).toBe(401);
    // A version of its own, written as OpenEMR writes one: a bare `6.${hex}` would be tallied as
    // `6.<n>.0` whenever the hex happens to be all digits.
    const tag = crypto.randomUUID().slice(0, 6);
    const [six, seven] = [`6.0.0-t${tag}`, `7.0.0-t${tag}`];
    const [old, upgraded, gone] = [uniqueEmail(), uniqueEmail(), uniqueEmail()];
    expect((await openEmrRegisters({ email: old, version: six, distribution: `farm-${tag}` })).status).toBe(201);
    expect((await openEmrRegisters({ email: upgraded, version: six, distribution: `farm-${tag}` })).status).toBe(201);
    expect((await openEmrRegisters({ email: upgraded, version: seven })).status).toBe(201);
    expect((await openEmrRegisters({ email: gone, version: six })).status).toBe(201);
    await registrations.changeStatus({
      email: gone.toLowerCase(),
      from: "active",
      counted: true,
      to: "unsubscribed",
      at: new Date().toISOString(),
      entry: {
        email: gone.toLowerCase(),
        type: "Unsubscribed",
        at: new Date().toISOString(),
        from: "active",
        to: "unsubscribed",
      },
    });

    const response = await fetch(`${base}/api/registration/versions`, {
      headers: { "X-Secret-Pin": Resource.SecretPin.value },
    });
    expect(response.status).toBe(200);
    const versions = (await response.json()) as {
      active: number;
      byVersion: Record<string, number>;
      byDistribution: Record<string, number>;
    };
    expect(versions.byVersion[six]).toBe(1);
    expect(versions.byVersion[seven]).toBe(1);
    expect(versions.byDistribution[`farm-${tag}`]).toBe(2);
    expect(versions.active).toBe((await counts()).active);
    expect(Object.values(versions.byVersion).reduce((sum, n) => sum + n, 0)).toBe(versions.active);
  });
});

describe("health", () => {
  it("answers GET / with 200 {status: up}, as the 2016 server did", async () => {
    const response = await fetch(`${base}/`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "up" });
  });

  it(
    "answers GET /api/health 200 when the table can be read, " + "and a JSON 503 with Retry-After when it cannot",
    async () => {
      const healthy = await fetch(`${base}/api/health`);
      expect(healthy.status).toBe(200);
      expect(await healthy.json()).toEqual({ status: "up" });

      const missing = createDynamoRegistrationStore({
        db: createDocumentClient(),
        registrationsTable: "no-such-table",
        stateTable: "no-such-state",
      });
      const response = await checkedForFile(healthRoutes({ registrations: missing })).request("/api/health");
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("5");
      expect(await response.json()).toMatchObject({ error: "ServiceUnavailableException" });
    },
  );
});
