import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { createDynamoBroadcastStore } from "@oemr-reg/core/broadcast";
import { app } from "@oemr-reg/functions/api";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { openEmrRegisters as openEmrPosts } from "./support/openemr.ts";
import { postJson, serveForFile, uniqueEmail } from "./support/serve.ts";
import { emailsWithSubject, runStackConsumers, untilBroadcastDone } from "./support/stack.ts";

// This file's stack holds only these registrations, so every count is exact.
const base = await serveForFile(app);
await runStackConsumers();
const PIN = Resource.SecretPin.value;
const broadcasts = createDynamoBroadcastStore({ db: createDocumentClient(), stateTable: Resource.State.name });

/** As OpenEMR 7 and 8 register (test/openemr-clients.test.ts): a form, version and distribution. */
async function openEmrRegisters(fields: Record<string, string>): Promise<void> {
  expect((await openEmrPosts(base, fields)).status).toBe(201);
}

const site = {
  old: uniqueEmail("old"),
  patched: uniqueEmail("patched"),
  patchedDotted: uniqueEmail("patched-dotted"),
  upgraded: uniqueEmail("upgraded"),
  ancient: uniqueEmail("ancient"),
  noVersion: uniqueEmail("noversion"),
  dev: uniqueEmail("dev"),
  next: uniqueEmail("next"),
};
await openEmrRegisters({ email: site.old, version: "7.0.2", distribution: "docker" });
await openEmrRegisters({ email: site.patched, version: "7.0.3 (4)", distribution: "docker" });
// The same version as its release names it.
await openEmrRegisters({ email: site.patchedDotted, version: "7.0.3.4", distribution: "aws-standard" });
await openEmrRegisters({ email: site.upgraded, version: "7.0.2 (3)", distribution: "docker" });
// An upgrade report: its latest version is what counts.
await openEmrRegisters({ email: site.upgraded, version: "7.0.4" });
await openEmrRegisters({ email: site.ancient, version: "6.1.0", distribution: "aws-standard" });
// OpenEMR 5 and the 2016 API's clients send no version.
expect((await postJson(`${base}/api/registration`, { email: site.noVersion })).status).toBe(201);
await openEmrRegisters({ email: site.dev, version: "7.0.3-dev", distribution: "docker" });
await openEmrRegisters({ email: site.next, version: "8.2.0-dev", distribution: "aws-standard" });
const ACTIVE = Object.keys(site).length;
// In every audience below but opted out: no recipient of any broadcast, and not counted.
const optedOut = uniqueEmail("opted-out");
await openEmrRegisters({ email: optedOut, version: "7.0.2", distribution: "docker" });
await createDocumentClient().send(
  new UpdateCommand({
    TableName: Resource.Registrations.name,
    Key: { email: optedOut.toLowerCase() },
    UpdateExpression: "SET #status = :unsubscribed",
    ExpressionAttributeNames: { "#status": "status" },
    ExpressionAttributeValues: { ":unsubscribed": "unsubscribed" },
  }),
);

function reach(query: string) {
  return fetch(`${base}/api/registration/audience${query}`, { headers: { "X-Secret-Pin": PIN } });
}

const untilDone = (broadcastId: string) => untilBroadcastDone(base, PIN, broadcastId);

/** Starts a broadcast, waits until it is done, and returns its progress and who got it. */
async function broadcastTo(request: Response, title: string) {
  expect(request.status).toBe(200);
  const { broadcastId } = (await request.json()) as { broadcastId: string };
  const done = await untilDone(broadcastId);
  const to = (await emailsWithSubject(title)).map((email) => email.destination.to[0]!.toLowerCase());
  return { done, to };
}

describe("GET /api/registration/audience", () => {
  it("wants the PIN", async () => {
    expect((await fetch(`${base}/api/registration/audience?belowVersion=7.0.3`)).status).toBe(401);
  });

  it("counts the active addresses below a version, in OpenEMR's order, and those without one apart", async () => {
    const response = await reach("?belowVersion=7.0.3");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      audience: { belowVersion: "7.0.3" },
      active: ACTIVE,
      reached: 3,
      unknownVersion: 1,
    });
    expect(await (await reach("?belowVersion=8.2.0")).json()).toMatchObject({ reached: ACTIVE - 1 });
    expect(await (await reach("")).json()).toEqual({ active: ACTIVE, reached: ACTIVE, unknownVersion: 1 });
  });

  it("narrows to distributions, repeated or comma-separated, `unknown` for those that sent none", async () => {
    expect(await (await reach("?belowVersion=7.0.3&distribution=docker")).json()).toMatchObject({
      audience: { belowVersion: "7.0.3", distributions: ["docker"] },
      reached: 2,
      unknownVersion: 0,
    });
    const both = await (await reach("?distribution=docker&distribution=aws-standard")).json();
    expect(both).toMatchObject({ audience: { distributions: ["aws-standard", "docker"] }, reached: 7 });
    expect(await (await reach("?distribution=unknown,docker")).json()).toMatchObject({ reached: 5, unknownVersion: 1 });
  });

  it("answers 400 naming a query parameter it does not take, rather than answering for everyone", async () => {
    const unknown = {
      "?foo=bar": "foo",
      "?belowVerison=7.0.3": "belowVerison",
      "?distributions=docker": "distributions",
    };
    for (const [query, name] of Object.entries(unknown)) {
      const response = await reach(query);
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: string; message: string };
      expect(body).toMatchObject({ error: "InvalidQueryException" });
      expect(body.message).toContain(`\`${name}\``);
    }
  });

  it("answers 400 for a version OpenEMR does not write", async () => {
    const response = await reach("?belowVersion=seven");
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "InvalidAudienceException" });
  });
});

describe("GET /api/registration/versions", () => {
  it("tallies one bucket per version however OpenEMR wrote it", async () => {
    const response = await fetch(`${base}/api/registration/versions`, { headers: { "X-Secret-Pin": PIN } });
    expect(response.status).toBe(200);
    const { active, byVersion } = (await response.json()) as { active: number; byVersion: Record<string, number> };
    expect(active).toBe(ACTIVE);
    expect(byVersion["7.0.3.4"]).toBe(2);
    expect(byVersion).not.toHaveProperty(["7.0.3 (4)"]);
    expect(Object.values(byVersion).reduce((sum, count) => sum + count, 0)).toBe(ACTIVE);
  });

  it("answers 400 for a query parameter, since it takes none", async () => {
    const response = await fetch(`${base}/api/registration/versions?belowVersion=7`, {
      headers: { "X-Secret-Pin": PIN },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "InvalidQueryException" });
  });
});

describe("a broadcast to an audience", () => {
  it("reaches only the addresses below the version, each exactly once, and shows its audience", async () => {
    const title = `Below 7.0.3 ${crypto.randomUUID()}`;
    const { done, to } = await broadcastTo(
      await postJson(`${base}/api/registration/broadcast`, {
        secretPin: PIN,
        title,
        contents: "Upgrade to 7.0.3.",
        audience: { belowVersion: "7.0.3" },
      }),
      title,
    );
    expect(done).toMatchObject({ recipients: 3, sent: 3, skipped: 0, failed: 0 });
    expect(done.audience).toEqual({ belowVersion: "7.0.3" });
    expect(to.sort()).toEqual([site.old, site.ancient, site.dev].map((email) => email.toLowerCase()).sort());
  });

  it("takes a form's fields, the distribution repeated or comma-separated", async () => {
    const title = `Docker below 7.0.3 ${crypto.randomUUID()}`;
    const form =
      `${new URLSearchParams({ secretPin: PIN, title, contents: "Docker images." })}` +
      "&belowVersion=7.0.3&distribution=docker";
    const { done, to } = await broadcastTo(
      await fetch(`${base}/api/registration/broadcast`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: form,
      }),
      title,
    );
    expect(done).toMatchObject({
      recipients: 2,
      sent: 2,
      audience: { belowVersion: "7.0.3", distributions: ["docker"] },
    });
    expect(to.sort()).toEqual([site.old, site.dev].map((email) => email.toLowerCase()).sort());

    const everyDistribution = `Every distribution ${crypto.randomUUID()}`;
    const several = await broadcastTo(
      await fetch(`${base}/api/registration/broadcast`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body:
          `${new URLSearchParams({ secretPin: PIN, title: everyDistribution, contents: "All." })}` +
          "&distribution=docker&distribution=aws-standard,unknown",
      }),
      everyDistribution,
    );
    expect(several.done).toMatchObject({ recipients: ACTIVE, sent: ACTIVE });
  });

  it("answers 400 for a version that does not parse or a criterion it does not know, and starts nothing", async () => {
    const title = `Refused ${crypto.randomUUID()}`;
    for (const audience of [{ belowVersion: "latest" }, { belowversion: "7.0.3" }, { distributions: [] }]) {
      const response = await postJson(`${base}/api/registration/broadcast`, {
        secretPin: PIN,
        title,
        contents: "Never sent.",
        audience,
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: "InvalidAudienceException" });
    }
    expect((await broadcasts.unfinished()).filter((broadcast) => broadcast.title === title)).toEqual([]);
  });

  it("tells audiences apart under one Idempotency-Key", async () => {
    const key = crypto.randomUUID();
    const post = (audience: unknown) =>
      fetch(`${base}/api/registration/broadcast`, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": key },
        body: JSON.stringify({ secretPin: PIN, title: `Keyed ${key}`, contents: "Once.", audience }),
      });
    const first = await post({ belowVersion: "7.0.3", distributions: ["docker", "aws-standard"] });
    expect(first.status).toBe(200);
    // The same audience, written another way, is the same request.
    const again = await post({ distributions: ["aws-standard", "docker", "docker"], belowVersion: "7.0.3" });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await post({ belowVersion: "7.0.4" })).status).toBe(422);
    expect((await post(undefined)).status).toBe(422);
    await untilDone(((await first.json()) as { broadcastId: string }).broadcastId);
  });

  it("still queues a recipient an earlier fan-out added, once its version has left the audience", async () => {
    const broadcastId = crypto.randomUUID();
    const [added, outside] = [uniqueEmail("added"), uniqueEmail("outside")];
    await broadcasts.create({
      broadcastId,
      content: { title: "Direct", contents: "x" },
      totalSegments: 1,
      now: new Date(),
      audience: { belowVersion: "7.0.3" },
    });
    const target = await broadcasts.target(broadcastId);
    expect(target?.audience).toEqual({ belowVersion: "7.0.3" });
    const page = { broadcastId, createdAt: target!.createdAt, now: new Date() };
    expect(await broadcasts.addRecipients(page, [added])).toEqual([added]);
    // Its installation upgraded: it is outside the audience now, but pending, so it is queued again;
    // an address never added is not added.
    expect(await broadcasts.addRecipients(page, [], [added, outside])).toEqual([added]);
    expect((await broadcasts.get(broadcastId))?.recipients).toBe(1);
  });
});
