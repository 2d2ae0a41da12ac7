import { existsSync } from "node:fs";
import AxeBuilder from "@axe-core/playwright";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, expect } from "vitest";

/** Debian's Chromium (`.ci/run` installs it): playwright-core drives it, and downloads no browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** A headless Chromium for the rest of the test file. */
export async function browserForFile(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install chromium (see .ci/run)`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
  afterAll(() => browser.close());
  return browser;
}

/** Fails with the rules broken when axe finds a serious or critical accessibility violation. */
export async function expectAccessible(page: Page): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const severe = violations.filter((violation) => ["serious", "critical"].includes(violation.impact ?? ""));
  expect(severe.map(({ id, impact, help }) => `${impact}: ${id} (${help})`)).toEqual([]);
}

/** Logs in to the console at `base` with `pin` through its login page; the response the form led to. */
export async function logIn(page: Page, base: string, pin: string) {
  await page.goto(`${base}/console/login`);
  await page.getByLabel("PIN").fill(pin);
  const [response] = await Promise.all([
    page.waitForNavigation(),
    page.getByRole("button", { name: "Log in" }).click(),
  ]);
  return response;
}

/** The signed-in page's session cookie header and CSRF token, for requests made without the browser. */
export async function sessionOf(context: BrowserContext, page: Page, base: string) {
  const cookies = await context.cookies(`${base}/console`);
  const cookie = cookies.map(({ name, value }) => `${name}=${value}`).join("; ");
  const csrf = await page.locator('form[action="/console/logout"] input[name="csrf"]').getAttribute("value");
  return { cookie, csrf: csrf ?? "" };
}

/**
 * Collects what the page's Content-Security-Policy refuses, from both the console's messages and
 * the `securitypolicyviolation` events, for every document the page loads from now on; the returned
 * function gives (and clears) what was refused since the last call.
 */
export function watchCsp(page: Page): () => Promise<string[]> {
  const messages: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) messages.push(message.text());
  });
  // A string, run in each document before its own content: this file has no DOM types.
  void page.addInitScript(`
    globalThis.cspViolations = [];
    document.addEventListener("securitypolicyviolation", (event) =>
      globalThis.cspViolations.push(event.violatedDirective + ": " + (event.blockedURI || "inline")));
  `);
  return async () => {
    const events = await page.evaluate("globalThis.cspViolations ?? []").catch(() => []);
    const all = [...messages.splice(0), ...(events as string[])];
    await page.evaluate("globalThis.cspViolations?.splice(0)").catch(() => undefined);
    return all;
  };
}
