import { readFileSync } from "node:fs";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { createDynamoRegistrationStore } from "@oemr-reg/core/registration";
import { app } from "@oemr-reg/functions/api";
import type { BrowserContext, Page } from "playwright-core";
import { Resource } from "sst";
import { beforeAll, describe, expect, it } from "vitest";
import { browserForFile, expectAccessible } from "./support/browser.ts";
import { screenshotPath } from "./support/docs-output.ts";
import { postForm, postJson, serveForFile, uniqueEmail } from "./support/serve.ts";
import { emailsWithSubject, eventually, runStackConsumers, untilBroadcastDone } from "./support/stack.ts";

const base = await serveForFile(app);
await runStackConsumers();
const browser = await browserForFile();
const store = createDynamoRegistrationStore({
  db: createDocumentClient(),
  registrationsTable: Resource.Registrations.name,
  stateTable: Resource.State.name,
});
const PIN = Resource.SecretPin.value;
const owner = uniqueEmail("Owner");
const title = `Owner page ${crypto.randomUUID().slice(0, 8)}`;
let context: BrowserContext;
let page: Page;
let yours: string;

beforeAll(async () => {
  expect((await postForm(`${base}/api/registration`, { email: owner })).status).toBe(201);
  const started = await postJson(`${base}/api/registration/broadcast`, { secretPin: PIN, title, contents: "Hi" });
  await untilBroadcastDone(base, PIN, ((await started.json()) as { broadcastId: string }).broadcastId);
  const mail = await eventually(
    async () => (await emailsWithSubject(title)).find((email) => email.destination.to.some((to) => to.includes(owner))),
    10_000,
    "the broadcast's email",
  );
  // The footer's link, as the email carries it, pointed at this test's server.
  const link = /Your data: (\S+)/.exec(mail.body.text ?? "")![1]!;
  yours = `${base}${new URL(link).pathname}`;
  context = await browser.newContext({ viewport: { width: 375, height: 800 }, acceptDownloads: true });
  page = await context.newPage();
});

describe("the owner's page in Chromium", () => {
  it("shows what is kept, script-free, axe clean and readable at 375 px", async () => {
    const response = await page.goto(yours);
    expect(response?.status()).toBe(200);
    expect(response?.headers()["content-security-policy"]).toContain("default-src 'none'");
    await expect(page.getByRole("heading", { name: "Your data" }).isVisible()).resolves.toBe(true);
    const text = await page.locator("main").innerText();
    expect(text).toContain(owner);
    expect(text).toContain(title);
    expect(text).toContain("sent");
    expect(await page.locator("script").count()).toBe(0);
    // Nothing wider than the screen: no sideways scrolling.
    expect(await page.locator("html").evaluate((root) => root.scrollWidth)).toBeLessThanOrEqual(375);
    await expectAccessible(page);
    await page.screenshot({ path: screenshotPath("owner-page.png", "privacy"), fullPage: true });
  });

  it("is reached from the unsubscribe page too", async () => {
    await page.goto(yours.replace("/privacy/", "/unsubscribe/"));
    await Promise.all([
      page.waitForURL(yours),
      page.getByRole("link", { name: "What is kept about this address" }).click(),
    ]);
    expect(page.url()).toBe(yours);
  });

  it("downloads everything as JSON", async () => {
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download all of it as JSON" }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^openemr-registration-\d{4}-\d{2}-\d{2}\.json$/);
    const exported = JSON.parse(readFileSync((await download.path())!, "utf8")) as {
      registration: { address: string };
      items: { delivery: unknown[] };
      broadcasts: { title: string }[];
    };
    expect(exported.registration.address).toBe(owner);
    expect(exported.items.delivery).toHaveLength(1);
    expect(exported.broadcasts[0]?.title).toBe(title);
  });

  it("erases with its button: the registration is gone", async () => {
    const [response] = await Promise.all([
      page.waitForNavigation(),
      page.getByRole("button", { name: "Erase this address" }).click(),
    ]);
    expect(response?.status()).toBe(200);
    await expect(page.getByRole("heading", { name: "Erased" }).isVisible()).resolves.toBe(true);
    await expectAccessible(page);
    expect(await store.get(owner.toLowerCase())).toBeUndefined();
    await page.goto(yours);
    expect(await page.locator("main").innerText()).toContain("This address is not on the list.");
  });
});
