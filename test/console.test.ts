import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { isoWeek } from "@oemr-reg/core/registration/counters";
import { RATE_WINDOWS, rateWindowKey } from "@oemr-reg/core/state/keys";
import { signToken } from "@oemr-reg/core/tokens";
import { app } from "@oemr-reg/functions/api";
import { handler as countTallies } from "@oemr-reg/functions/tallies";
import type { Hono } from "hono";
import type { BrowserContext, Page } from "playwright-core";
import { Resource } from "sst";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserForFile, expectAccessible, logIn as logInAs, sessionOf as sessionOfPage } from "./support/browser.ts";
import { screenshotPath } from "./support/docs-output.ts";
import { openEmrReport, telemetryPost } from "./support/openemr.ts";
import { postForm, serveForFile, uniqueEmail } from "./support/serve.ts";

const PIN = Resource.SecretPin.value;
const base = await serveForFile(app as unknown as Hono);
const browser = await browserForFile();
const db = createDocumentClient();

let context: BrowserContext;
let page: Page;
beforeAll(async () => {
  context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  page = await context.newPage();
});
afterAll(() => context.close());

/** Wrong PINs charged to the browser's IP in the current window. */
async function wrongPins(): Promise<number> {
  const key = rateWindowKey(RATE_WINDOWS.pinFailuresPerIp, "127.0.0.1");
  const { Item } = await db.send(new GetCommand({ TableName: Resource.State.name, Key: key, ConsistentRead: true }));
  return Number(Item?.hits ?? 0);
}

const logIn = (pin: string) => logInAs(page, base, pin);

/** A number the overview shows under `name`. */
async function shown(name: string): Promise<number> {
  const figure = page.locator("dl.counts div", { has: page.locator("dt", { hasText: name }) }).locator("dd");
  return Number((await figure.textContent())?.replaceAll(",", ""));
}

const sessionOf = () => sessionOfPage(context, page, base);

/** What `GET /api/registration/versions` counts: the scan the tallies must agree with. */
async function activeVersions() {
  const answer = await fetch(`${base}/api/registration/versions`, { headers: { "x-secret-pin": PIN } });
  return (await answer.json()) as { byVersion: Record<string, number> };
}

/** The active registrations the page shows for an OpenEMR version. */
async function versionShown(version: string): Promise<number> {
  const row = page.locator("#by-version ~ .chart tbody tr", { has: page.locator("th", { hasText: version }) });
  return Number(await row.locator("td").textContent());
}

function postLogout(headers: Record<string, string>, fields: Record<string, string>) {
  return fetch(`${base}/console/logout`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields),
  });
}

describe("the board's console", () => {
  it("shows a login page with one field labelled PIN, accessible, under a CSP with one script by hash", async () => {
    const response = await page.goto(`${base}/console`);
    expect(page.url()).toBe(`${base}/console/login`);
    expect(response?.headers()["content-security-policy"]).toMatch(/default-src 'none'/);
    // The passkey button's script alone (test/passkeys.test.ts); every other page has none.
    expect(response?.headers()["content-security-policy"]).toMatch(/script-src 'sha256-[^' ]+';/);
    await expect(page.getByLabel("PIN").getAttribute("type")).resolves.toBe("password");
    await expectAccessible(page);
    await page.screenshot({ path: screenshotPath("login.png"), fullPage: true });
  });

  it("answers a wrong PIN with a 401 page, counted towards the lockout", async () => {
    const before = await wrongPins();
    const response = await logIn("not-the-board-pin");
    expect(response?.status()).toBe(401);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Wrong PIN");
    expect(await wrongPins()).toBe(before + 1);
    expect(await context.cookies(`${base}/console`)).toEqual([]);
  });

  it("logs in with the right PIN: a signed cookie, HttpOnly, SameSite=Strict, for /console, 8 hours", async () => {
    const response = await logIn(PIN);
    expect(response?.status()).toBe(200);
    expect(page.url()).toBe(`${base}/console`);
    const [cookie] = await context.cookies(`${base}/console`);
    expect(cookie).toMatchObject({ name: "console_session", httpOnly: true, sameSite: "Strict", path: "/console" });
    expect(cookie!.value).not.toContain(PIN);
    expect(cookie!.expires - Date.now() / 1000).toBeGreaterThan(8 * 3600 - 60);
    expect(cookie!.expires - Date.now() / 1000).toBeLessThanOrEqual(8 * 3600);
  });

  it("shows the counts GET /api/registration/unique gives, and this week's registrations", async () => {
    for (let i = 0; i < 3; i++) {
      const created = await postForm(`${base}/api/registration`, { email: uniqueEmail("console"), version: "7.0.3" });
      expect(created.status).toBe(201);
    }
    for (const [site, country] of [
      ["site-a", "US"],
      ["site-b", "DE"],
    ]) {
      const report = JSON.stringify(openEmrReport({ country }));
      expect((await telemetryPost(base, `${site}-${crypto.randomUUID()}`, report)).status).toBeLessThan(300);
    }
    const unique = (await (await fetch(`${base}/api/registration/unique`)).json()) as { count: number; active: number };
    expect(unique.count).toBeGreaterThanOrEqual(3);
    await page.goto(`${base}/console`);
    expect(await shown("Registrations")).toBe(unique.count);
    expect(await shown("Active")).toBe(unique.active);
    expect(await shown("Unsubscribed")).toBe(0);
    const week = page.locator("#per-week ~ .chart table tr", {
      has: page.locator("th", { hasText: isoWeek(new Date()) }),
    });
    await expect(week.locator("td").textContent()).resolves.toBe(String(unique.count));
    await expect(page.locator("#per-week ~ .chart tbody tr").count()).resolves.toBe(52);
    await expect(page.getByText("Not counted yet").count()).resolves.toBe(1);
  });

  it("shows active registrations by version and distribution, and the usage summary, as last counted", async () => {
    await countTallies();
    await page.goto(`${base}/console`);
    const versions = await activeVersions();
    expect(await versionShown("7.0.3")).toBe(versions.byVersion["7.0.3"]);
    await expect(page.locator("#usage ~ p").first().textContent()).resolves.toMatch(/^2 sites reported since/);
    await expect(page.locator("time").first().textContent()).resolves.toBe("just now");
    await expectAccessible(page);
    await page.screenshot({ path: screenshotPath("overview.png"), fullPage: true });
  });

  it("times the overview, a read of the counters: under 200 ms at its fastest, the median printed", async () => {
    const { cookie } = await sessionOf();
    const took: number[] = [];
    for (let i = 0; i < 11; i++) {
      const started = performance.now();
      const response = await fetch(`${base}/console`, { headers: { cookie }, redirect: "manual" });
      expect(response.status).toBe(200);
      await response.text();
      took.push(performance.now() - started);
    }
    took.sort((a, b) => a - b);
    console.info(`console overview: median ${took[5]!.toFixed(1)} ms, slowest ${took[10]!.toFixed(1)} ms`);
    // The fastest, not the median: other test files share the 2 cores, and a busy machine must not fail
    // this; the median printed is the figure (docs/console.md).
    expect(took[0]).toBeLessThan(200);
  });

  it("counts the whole list now on request, and the overview shows that count from then on", async () => {
    const before = (await activeVersions()).byVersion["7.0.3"]!;
    expect((await postForm(`${base}/api/registration`, { email: uniqueEmail("late"), version: "7.0.3" })).status).toBe(
      201,
    );
    await page.goto(`${base}/console`);
    expect(await versionShown("7.0.3")).toBe(before);
    await page.getByRole("link", { name: "Count now" }).click();
    expect(page.url()).toBe(`${base}/console/versions`);
    expect(await versionShown("7.0.3")).toBe(before + 1);
    await expectAccessible(page);
    await page.screenshot({ path: screenshotPath("versions.png"), fullPage: true });
    await page.goto(`${base}/console`);
    expect(await versionShown("7.0.3")).toBe(before + 1);
  });

  it("counts an unsubscribe: one fewer active, one more unsubscribed, as GET /unique says", async () => {
    const email = uniqueEmail("leaving");
    expect((await postForm(`${base}/api/registration`, { email })).status).toBe(201);
    const token = await signToken(Resource.UnsubscribeKey.value, { purpose: "unsubscribe", email });
    const left = await postForm(`${base}/api/registration/unsubscribe/${token}`, { "List-Unsubscribe": "One-Click" });
    expect(left.status).toBe(200);
    const unique = (await (await fetch(`${base}/api/registration/unique`)).json()) as { count: number; active: number };
    await page.goto(`${base}/console`);
    expect(await shown("Registrations")).toBe(unique.count);
    expect(await shown("Active")).toBe(unique.active);
    expect(await shown("Unsubscribed")).toBe(1);
    expect(unique.count - unique.active).toBe(1);
  });

  it("refuses a POST without the session's CSRF token, or from another site, with 403", async () => {
    const { cookie, csrf } = await sessionOf();
    expect(csrf).not.toBe("");
    const withoutToken = await postLogout({ cookie, origin: base }, {});
    expect(withoutToken.status).toBe(403);
    const wrongToken = await postLogout({ cookie, origin: base }, { csrf: `${csrf.slice(0, -2)}xx` });
    expect(wrongToken.status).toBe(403);
    const crossSite = await postLogout({ cookie, origin: "https://elsewhere.example" }, { csrf });
    expect(crossSite.status).toBe(403);
    const crossSiteLogin = await fetch(`${base}/console/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "cross-site" },
      body: new URLSearchParams({ secretPin: PIN }),
    });
    expect(crossSiteLogin.status).toBe(403);
    // The session still stands: none of these logged it out.
    await page.goto(`${base}/console`);
    expect(page.url()).toBe(`${base}/console`);
  });

  it("logs out: the session ends, a copy of its cookie too, and the overview sends back to the login", async () => {
    await page.goto(`${base}/console`);
    const { cookie } = await sessionOf();
    await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Log out" }).click()]);
    expect(page.url()).toBe(`${base}/console/login`);
    expect(await context.cookies(`${base}/console`)).toEqual([]);
    await page.goto(`${base}/console`);
    expect(page.url()).toBe(`${base}/console/login`);
    const copied = await fetch(`${base}/console`, { headers: { cookie }, redirect: "manual" });
    expect([copied.status, copied.headers.get("location")]).toEqual([303, "/console/login"]);
  });

  it("locks the login out after 5 wrong PINs from one address, the right PIN too, as the PIN routes", async () => {
    while ((await wrongPins()) < 5) expect((await logIn("still-not-the-pin"))?.status()).toBe(401);
    const response = await logIn(PIN);
    expect(response?.status()).toBe(429);
    expect(Number(response?.headers()["retry-after"])).toBeGreaterThan(0);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Locked out for now");
    expect(await context.cookies(`${base}/console`)).toEqual([]);
  });
});
