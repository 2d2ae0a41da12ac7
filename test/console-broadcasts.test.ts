import { createAuditLog } from "@oemr-reg/core/audit";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { createDynamoBroadcastStore } from "@oemr-reg/core/broadcast";
import { app } from "@oemr-reg/functions/api";
import { handler as sesEventsHandler } from "@oemr-reg/functions/ses-events";
import type { Hono } from "hono";
import type { BrowserContext, Page } from "playwright-core";
import { Resource } from "sst";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserForFile, expectAccessible, logIn, sessionOf } from "./support/browser.ts";
import { screenshotPath } from "./support/docs-output.ts";
import { postForm, postJson, serveForFile, uniqueEmail } from "./support/serve.ts";
import { snsEvent } from "./support/ses-events.ts";
import { emailsWithSubject, eventually, runStackConsumers, untilBroadcastDone } from "./support/stack.ts";

const PIN = Resource.SecretPin.value;
const base = await serveForFile(app as unknown as Hono);
await runStackConsumers();
const browser = await browserForFile();
const broadcasts = createDynamoBroadcastStore({ db: createDocumentClient(), stateTable: Resource.State.name });
const audit = createAuditLog({ db: createDocumentClient(), stateTable: Resource.State.name, retentionDays: 730 });

let context: BrowserContext;
let page: Page;
beforeAll(async () => {
  context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  page = await context.newPage();
  expect((await logIn(page, base, PIN))?.status()).toBe(200);
});
afterAll(() => context.close());

/** A figure a broadcast's page shows under `name`. */
async function shown(name: string): Promise<number> {
  const figure = page.locator("dl.counts div", { has: page.locator("dt", { hasText: name }) }).locator("dd");
  return Number((await figure.textContent())?.replaceAll(",", ""));
}

/** A broadcast the senders paused, for an audience no one is in: resumed, it finds no one and is done. */
async function pausedBroadcast(reason: string) {
  const broadcastId = crypto.randomUUID();
  const now = new Date();
  const content = { title: `Paused ${broadcastId.slice(0, 8)}`, contents: "Patch now." };
  const audience = { distributions: [`nobody-${broadcastId}`] };
  await broadcasts.create({ broadcastId, content, totalSegments: 1, now, audience });
  await broadcasts.markSending(broadcastId, now);
  expect(await broadcasts.pause(broadcastId, { reason, now })).toBe(true);
  return { broadcastId, title: content.title };
}

describe("the console's broadcasts", () => {
  it("sends to the login page without a session", async () => {
    for (const path of ["/console/broadcasts", `/console/broadcasts/${crypto.randomUUID()}`]) {
      const response = await fetch(`${base}${path}`, { redirect: "manual" });
      expect([response.status, response.headers.get("location")]).toEqual([303, "/console/login"]);
    }
  });

  it("lists a broadcast started through the API with what it caused, and shows it done on its page", async () => {
    // One recipient will complain (the SES mailbox simulator's address for it), one unsubscribe.
    const complainer = `complaint+${crypto.randomUUID().slice(0, 12)}@simulator.amazonses.com`;
    const leaver = uniqueEmail("history");
    for (const email of [complainer, leaver, uniqueEmail("history")])
      expect((await postForm(`${base}/api/registration`, { email })).status).toBe(201);
    const title = `Console history ${crypto.randomUUID()}`;
    const started = await postJson(`${base}/api/registration/broadcast`, { secretPin: PIN, title, contents: "Hi." });
    expect(started.status).toBe(200);
    const { broadcastId } = (await started.json()) as { broadcastId: string };
    const done = await untilBroadcastDone(base, PIN, broadcastId);
    expect(done.sent).toBeGreaterThanOrEqual(3);
    const sent = await emailsWithSubject(title);
    const to = (address: string) => sent.find((email) => email.destination.to[0]?.toLowerCase() === address)!;
    await sesEventsHandler(snsEvent(complainer, to(complainer).messageId));
    const link = /https:\/\/reg\.test\.example\.org(\/api\/registration\/unsubscribe\/[\w.-]+)/.exec(
      to(leaver.toLowerCase()).body.text ?? "",
    );
    const oneClick = { method: "POST", body: new URLSearchParams({ "List-Unsubscribe": "One-Click" }) };
    expect((await fetch(`${base}${link![1]}`, oneClick)).status).toBe(200);

    await page.getByRole("link", { name: "Broadcasts" }).first().click();
    expect(page.url()).toBe(`${base}/console/broadcasts`);
    const row = page.locator("tbody tr", { has: page.getByRole("link", { name: title }) });
    const cells = await row.locator("td").allTextContents();
    const figures = [done.recipients, done.sent, 0, 0, 0, 1, 1].map(String);
    expect(cells.slice(0, 9)).toEqual(["everyone", "done", ...figures]);
    // Newest first: the one just started heads the list.
    await expect(page.locator("tbody tr").first().locator("a").textContent()).resolves.toBe(title);
    await expectAccessible(page);
    await page.screenshot({ path: screenshotPath("broadcasts.png"), fullPage: true });

    await Promise.all([page.waitForNavigation(), page.getByRole("link", { name: title }).click()]);
    expect(page.url()).toBe(`${base}/console/broadcasts/${broadcastId}`);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe(title);
    await expect(page.locator("main p strong").first().textContent()).resolves.toBe("done");
    expect(await shown("Sent")).toBe(done.sent);
    expect(await shown("Recipients")).toBe(done.recipients);
    expect([await shown("Complaints"), await shown("Unsubscribes")]).toEqual([1, 1]);
    // Done: it no longer reloads itself.
    await expect(page.locator('meta[http-equiv="refresh"]').count()).resolves.toBe(0);
  });

  it("shows a paused broadcast's reason and a Resume button, which resumes it until done", async () => {
    const reason = "Too many hard bounces: 5 of 40 emails sent since it started";
    const { broadcastId, title } = await pausedBroadcast(reason);
    await page.goto(`${base}/console/broadcasts/${broadcastId}`);
    await expect(page.locator("p.paused").textContent()).resolves.toBe(reason);
    await expect(page.locator("main p strong").first().textContent()).resolves.toBe("paused");
    await expect(page.locator('meta[http-equiv="refresh"]').count()).resolves.toBe(0);
    await expectAccessible(page);
    await page.screenshot({ path: screenshotPath("broadcast.png"), fullPage: true });

    const [response] = await Promise.all([
      page.waitForNavigation(),
      page.getByRole("button", { name: "Resume" }).click(),
    ]);
    expect(response?.status()).toBe(200);
    expect(page.url()).toBe(`${base}/console/broadcasts/${broadcastId}`);
    const resumed = await broadcasts.get(broadcastId);
    expect(resumed?.resumedAt).toBeDefined();
    const [record] = (await audit.page({ action: "broadcast.resumed" })).records;
    expect(record).toMatchObject({ actor: { kind: "PIN" }, object: broadcastId });
    // Sending when the page was drawn, unless the fan-out (which finds no one) already finished it.
    const status = await page.locator("main p strong").first().textContent();
    expect(["sending", "done"]).toContain(status);
    if (status === "sending")
      await expect(page.locator('meta[http-equiv="refresh"]').getAttribute("content")).resolves.toBe("5");
    await untilBroadcastDone(base, PIN, broadcastId);
    await page.goto(`${base}/console/broadcasts`);
    const row = page.locator("tbody tr", { has: page.getByRole("link", { name: title }) });
    await expect(row.locator("td").first().textContent()).resolves.toBe(`distributions nobody-${broadcastId}`);
    await expect(row.locator("td").nth(1).textContent()).resolves.toBe("done");
  });

  it("refuses a resume without the session's CSRF token, or from another site, with 403", async () => {
    const { broadcastId } = await pausedBroadcast("Too many hard bounces");
    await page.goto(`${base}/console/broadcasts/${broadcastId}`);
    const { cookie, csrf } = await sessionOf(context, page, base);
    const resume = (headers: Record<string, string>, fields: Record<string, string>) =>
      fetch(`${base}/console/broadcasts/${broadcastId}/resume`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        body: new URLSearchParams(fields),
      });
    expect((await resume({ cookie, origin: base }, {})).status).toBe(403);
    expect((await resume({ origin: base }, { csrf })).status).toBe(403);
    expect((await resume({ cookie, origin: "https://elsewhere.example" }, { csrf })).status).toBe(403);
    expect((await broadcasts.get(broadcastId))?.status).toBe("paused");
    const accepted = await resume({ cookie, origin: base }, { csrf });
    expect([accepted.status, accepted.headers.get("location")]).toEqual([303, `/console/broadcasts/${broadcastId}`]);
    await eventually(async () => ((await broadcasts.get(broadcastId))?.status === "done" ? true : undefined));
  });

  it("answers an unknown id with a 404 page", async () => {
    const response = await page.goto(`${base}/console/broadcasts/${crypto.randomUUID()}`);
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("No such broadcast");
    const { cookie, csrf } = await sessionOf(context, page, base);
    const resumed = await fetch(`${base}/console/broadcasts/${crypto.randomUUID()}/resume`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie, origin: base },
      body: new URLSearchParams({ csrf }),
    });
    expect(resumed.status).toBe(404);
  });

  it("pages the history 25 at a time, newest first, and refuses a cursor it did not make", async () => {
    // Newer than every other broadcast of this file, so they make the first page and head the second.
    const at = (second: number) => new Date(Date.UTC(2099, 0, 1, 0, 0, second));
    const titles = Array.from({ length: 30 }, (_, second) => `Paged ${second} ${crypto.randomUUID().slice(0, 8)}`);
    for (const [second, title] of titles.entries()) {
      const content = { title, contents: "Old news." };
      await broadcasts.create({ broadcastId: crypto.randomUUID(), content, totalSegments: 1, now: at(second) });
    }
    const newestFirst = titles.toReversed();
    const listedTitles = () => page.locator("tbody tr th a").allTextContents();
    await page.goto(`${base}/console/broadcasts`);
    expect(await listedTitles()).toEqual(newestFirst.slice(0, 25));
    await expect(page.getByRole("link", { name: "Newest" }).count()).resolves.toBe(0);

    await Promise.all([page.waitForNavigation(), page.getByRole("link", { name: "Older" }).click()]);
    expect(new URL(page.url()).searchParams.get("before")).toMatch(/^[A-Za-z0-9_-]+$/);
    const second = await listedTitles();
    expect(second.slice(0, 5)).toEqual(newestFirst.slice(25));
    expect(second).toHaveLength(5 + (await broadcasts.list({ limit: 100 })).broadcasts.length - 30);
    await expect(page.getByRole("link", { name: "Older" }).count()).resolves.toBe(0);
    await expectAccessible(page);
    await Promise.all([page.waitForNavigation(), page.getByRole("link", { name: "Newest" }).click()]);
    expect(await listedTitles()).toEqual(newestFirst.slice(0, 25));

    const forged = Buffer.from(JSON.stringify({ createdAt: "yesterday", broadcastId: "x" })).toString("base64url");
    for (const before of ["not a cursor!", forged, "e30"]) {
      const response = await page.goto(`${base}/console/broadcasts?before=${encodeURIComponent(before)}`);
      expect(response?.status()).toBe(400);
      await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Not a page of broadcasts");
    }
  });
});
