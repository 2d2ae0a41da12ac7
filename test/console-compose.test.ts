import { createAuditLog } from "@oemr-reg/core/audit";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { app } from "@oemr-reg/functions/api";
import type { Hono } from "hono";
import type { BrowserContext, Page } from "playwright-core";
import { Resource } from "sst";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserForFile, expectAccessible, logIn, sessionOf } from "./support/browser.ts";
import { screenshotPath } from "./support/docs-output.ts";
import { openEmrRegisters } from "./support/openemr.ts";
import { postJson, serveForFile, uniqueEmail } from "./support/serve.ts";
import { emailsWithSubject, runStackConsumers, untilBroadcastDone } from "./support/stack.ts";

// This file's stack holds only these registrations, so every reach is exact.
const PIN = Resource.SecretPin.value;
const base = await serveForFile(app as unknown as Hono);
await runStackConsumers();
const browser = await browserForFile();
const audit = createAuditLog({ db: createDocumentClient(), stateTable: Resource.State.name, retentionDays: 730 });

const site = {
  old: uniqueEmail("old"),
  ancient: uniqueEmail("ancient"),
  patched: uniqueEmail("patched"),
  current: uniqueEmail("current"),
  noVersion: uniqueEmail("noversion"),
};
for (const [email, version, distribution] of [
  [site.old, "7.0.2", "docker"],
  [site.ancient, "6.1.0", "aws-standard"],
  [site.patched, "7.0.3 (4)", "docker"],
  [site.current, "7.0.4", "docker"],
] as const)
  expect((await openEmrRegisters(base, { email, version, distribution })).status).toBe(201);
expect((await postJson(`${base}/api/registration`, { email: site.noVersion })).status).toBe(201);
const ACTIVE = Object.keys(site).length;
const BELOW_703 = [site.old, site.ancient].map((email) => email.toLowerCase()).sort();

let context: BrowserContext;
let page: Page;
beforeAll(async () => {
  context = await browser.newContext({ viewport: { width: 1100, height: 1000 } });
  page = await context.newPage();
  expect((await logIn(page, base, PIN))?.status()).toBe(200);
});
afterAll(() => context.close());

const MARKDOWN = "# Patch 7.0.3\n\nUpgrade **now**: [release notes](https://www.open-emr.org/)\n\n<script>x()</script>";

/**
 * A screenshot of the whole page in one viewport: a full-page capture leaves blank a sandboxed
 * frame that was out of view (Chromium renders it in a process of its own).
 */
async function screenshot(name: string) {
  const height = (await page.locator("html").boundingBox())?.height ?? 1000;
  await page.setViewportSize({ width: 1100, height: Math.ceil(height) });
  await page.screenshot({ path: screenshotPath(name) });
  await page.setViewportSize({ width: 1100, height: 1000 });
}

/** Fills the compose form, on the page it is on. */
async function compose(title: string, { belowVersion = "", distribution = "" } = {}) {
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Message (Markdown)").fill(MARKDOWN);
  await page.getByLabel(/^Only below this OpenEMR version/).fill(belowVersion);
  await page.getByLabel(/^Only these distributions/).fill(distribution);
}

/** Clicks a button that posts a form; the response it led to. */
async function press(name: string | RegExp) {
  const [response] = await Promise.all([page.waitForNavigation(), page.getByRole("button", { name }).click()]);
  return response;
}

/** The confirmation form's fields, to post it without the browser. */
async function confirmationFields(): Promise<Record<string, string>> {
  const inputs = page.locator('form[action="/console/broadcasts"] input[type="hidden"]');
  const pairs = await Promise.all(
    (await inputs.all()).map(async (input) => [await input.getAttribute("name"), await input.getAttribute("value")]),
  );
  return Object.fromEntries(pairs);
}

describe("the console's compose page", () => {
  it("sends to the login page without a session", async () => {
    const response = await fetch(`${base}/console/broadcasts/new`, { redirect: "manual" });
    expect([response.status, response.headers.get("location")]).toEqual([303, "/console/login"]);
  });

  it("previews, confirms and sends to a version-filtered audience, which alone gets it", async () => {
    await Promise.all([page.waitForNavigation(), page.getByRole("link", { name: "New broadcast" }).click()]);
    expect(page.url()).toBe(`${base}/console/broadcasts/new`);
    await expectAccessible(page);

    const title = `Compose ${crypto.randomUUID()}`;
    await compose(title, { belowVersion: "7.0.3" });
    expect((await press("Preview"))?.status()).toBe(200);
    // The form comes back as typed.
    await expect(page.getByLabel("Title").inputValue()).resolves.toBe(title);
    await expect(page.getByLabel("Message (Markdown)").inputValue()).resolves.toBe(MARKDOWN);
    const reach = (await page.locator("#reach").textContent())?.replace(/\s+/g, " ");
    expect(reach).toBe(
      `Audience: below 7.0.3. It reaches 2 of ${ACTIVE} active addresses. 1 with no known version is left out.`,
    );
    // The senders' own rendering: sanitized HTML in a sandboxed frame, and the text part beside it.
    const frame = page.locator("iframe");
    await expect(frame.getAttribute("sandbox")).resolves.toBe("");
    const email = page.frameLocator("iframe");
    await expect(email.locator("h1").textContent()).resolves.toBe("Patch 7.0.3");
    await expect(email.locator("strong").textContent()).resolves.toBe("now");
    await expect(email.locator("a", { hasText: "release notes" }).getAttribute("href")).resolves.toBe(
      "https://www.open-emr.org/",
    );
    await expect(email.locator("script").count()).resolves.toBe(0);
    // The email's own inline styles apply, as in a mail client: the CSP allows exactly those.
    // The function runs in the page; this project's types have no DOM.
    const { getComputedStyle } = globalThis as unknown as { getComputedStyle(e: unknown): { maxWidth: string } };
    const maxWidth = email.locator("body > div").evaluate((div) => getComputedStyle(div).maxWidth);
    await expect(maxWidth).resolves.toBe("640px");
    await expect(email.getByText("Unsubscribe").count()).resolves.toBe(1);
    const text = await page.locator(".preview pre").textContent();
    expect(text).toContain("Upgrade now: release notes (https://www.open-emr.org/)");
    expect(text).not.toContain("x()");
    await expectAccessible(page);
    await screenshot("compose.png");

    expect((await press(/^Send$/))?.status()).toBe(200);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Send this broadcast?");
    await expect(page.locator("#confirm-title").textContent()).resolves.toBe(title);
    await expect(page.locator("#confirm-audience").textContent()).resolves.toBe("below 7.0.3");
    await expect(page.getByRole("button", { name: "Send to 2 subscribers", exact: true }).count()).resolves.toBe(1);
    await expectAccessible(page);
    await screenshot("confirm.png");

    expect((await press("Send to 2 subscribers"))?.status()).toBe(200);
    const [, broadcastId] = /\/console\/broadcasts\/([\w-]+)$/.exec(page.url()) ?? [];
    expect(broadcastId).toBeDefined();
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe(title);
    const done = await untilBroadcastDone(base, PIN, broadcastId!);
    expect(done).toMatchObject({ recipients: 2, sent: 2, audience: { belowVersion: "7.0.3" } });
    const to = (await emailsWithSubject(title)).map((sent) => sent.destination.to[0]!.toLowerCase());
    expect(to.sort()).toEqual(BELOW_703);
    // The console's session is the PIN's here: the log names it so, with what it previewed and started.
    const newest = async (action: string) => (await audit.page({ action })).records[0];
    await expect(newest("broadcast.previewed")).resolves.toMatchObject({ actor: { kind: "PIN" }, object: title });
    await expect(newest("broadcast.started")).resolves.toMatchObject({ actor: { kind: "PIN" }, object: broadcastId });
  });

  it("says subscriber for one, and goes back to the message with it kept", async () => {
    await page.goto(`${base}/console/broadcasts/new`);
    await compose("One", { belowVersion: "7.0.3", distribution: "aws-standard" });
    expect((await press(/^Send$/))?.status()).toBe(200);
    await expect(page.getByRole("button", { name: "Send to 1 subscriber", exact: true }).count()).resolves.toBe(1);
    expect((await press("Back to the message"))?.status()).toBe(200);
    await expect(page.getByLabel(/^Only these distributions/).inputValue()).resolves.toBe("aws-standard");
    await expect(page.locator("#reach").textContent()).resolves.toContain("It reaches 1 of");
  });

  it("shows what is wrong with a 400: a version OpenEMR does not write, empty HTML, no one reached", async () => {
    await page.goto(`${base}/console/broadcasts/new`);
    await compose("Wrong", { belowVersion: "seven" });
    expect((await press("Preview"))?.status()).toBe(400);
    await expect(page.getByRole("alert").textContent()).resolves.toContain("Audience: Not an OpenEMR version");
    await expect(page.getByLabel("Title").inputValue()).resolves.toBe("Wrong");
    await expectAccessible(page);

    await compose("Nothing", {});
    await page.getByLabel(/^HTML/).fill("<script>x()</script>");
    expect((await press("Preview"))?.status()).toBe(400);
    await expect(page.getByRole("alert").textContent()).resolves.toContain("no visible text");

    await page.getByLabel(/^HTML/).fill("");
    await compose("No one", { belowVersion: "1.0" });
    expect((await press(/^Send$/))?.status()).toBe(400);
    await expect(page.getByRole("alert").textContent()).resolves.toContain("No active address is in this audience");
  });

  it("starts one broadcast for two posts of the same confirmation (a double click)", async () => {
    await page.goto(`${base}/console/broadcasts/new`);
    const title = `Twice ${crypto.randomUUID()}`;
    await compose(title, { belowVersion: "7.0.3" });
    await press(/^Send$/);
    const fields = await confirmationFields();
    expect(fields.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    const { cookie } = await sessionOf(context, page, base);
    const send = () =>
      fetch(`${base}/console/broadcasts`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie, origin: base },
        body: new URLSearchParams(fields),
      });
    const answers = await Promise.all([send(), send()]);
    expect(answers.map((answer) => answer.status)).toEqual([303, 303]);
    const [first, second] = answers.map((answer) => answer.headers.get("location"));
    expect(second).toBe(first);
    const done = await untilBroadcastDone(base, PIN, first!.split("/").pop()!);
    expect(done).toMatchObject({ recipients: 2, sent: 2 });
    // Once each: a second broadcast would have mailed them again.
    const to = (await emailsWithSubject(title)).map((sent) => sent.destination.to[0]!.toLowerCase());
    expect(to.sort()).toEqual(BELOW_703);
  });

  it("refuses every step without the session's CSRF token, or from another site, with 403", async () => {
    await page.goto(`${base}/console/broadcasts/new`);
    const { cookie, csrf } = await sessionOf(context, page, base);
    const fields = { title: "Refused", contents: "Never.", idempotencyKey: crypto.randomUUID() };
    const post = (path: string, headers: Record<string, string>, extra: Record<string, string>) =>
      fetch(`${base}/console${path}`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        body: new URLSearchParams({ ...fields, ...extra }),
      });
    for (const path of ["/broadcasts/new/preview", "/broadcasts/new/confirm", "/broadcasts"]) {
      expect((await post(path, { cookie, origin: base }, {})).status).toBe(403);
      expect((await post(path, { origin: base }, { csrf })).status).toBe(403);
      expect((await post(path, { cookie, origin: "https://elsewhere.example" }, { csrf })).status).toBe(403);
    }
    expect(await emailsWithSubject("Refused")).toEqual([]);
  });
});
