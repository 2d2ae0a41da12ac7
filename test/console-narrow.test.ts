import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { createDraftStore } from "@oemr-reg/core/drafts/store";
import { app } from "@oemr-reg/functions/api";
import type { Page } from "playwright-core";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { browserForFile, expectAccessible } from "./support/browser.ts";
import { memberSession, signInBrowser } from "./support/member-session.ts";
import { serveForFile } from "./support/serve.ts";

// The member's console pages as a phone and a keyboard meet them. They carry no script (their CSP
// allows none; only the passkey pages load one), so what a reader with scripts off gets is this.
const base = await serveForFile(app);
const browser = await browserForFile();
const { member, cookie } = await memberSession(base, "Narrow", ["compose", "approve", "admin"]);
// A draft with a long title, its form and tables at their widest: a phone must still fit it.
const content = { title: `A draft to read on a phone ${"x".repeat(80)}`, contents: `Upgrade ${"y".repeat(300)}` };
const draft = await createDraftStore({ db: createDocumentClient(), stateTable: Resource.State.name }).create(
  crypto.randomUUID(),
  content,
  { kind: "member", id: member.id, name: member.name },
  new Date(),
);
const PAGES = [
  "/console",
  "/console/tokens",
  "/console/members",
  "/console/audit",
  "/console/drafts",
  `/console/drafts/${draft!.draftId}`,
];

/** Tabs through the page; the names of the controls that took the focus, in order. */
async function tabStops(page: Page, most = 60): Promise<string[]> {
  const stops: string[] = [];
  for (let i = 0; i < most; i++) {
    await page.keyboard.press("Tab");
    // Runs in the page; this project's types have no DOM.
    const focused = await page.evaluate(() => {
      const active = (globalThis as unknown as { document: { activeElement: { tagName: string } | null } }).document
        .activeElement;
      return active && active.tagName !== "BODY" ? active.tagName.toLowerCase() : undefined;
    });
    if (!focused) break;
    stops.push(focused);
  }
  return stops;
}

describe("the member's console pages at 375 px, by keyboard, scripts off", () => {
  it.each(PAGES)("%s fits, is reachable by Tab and passes axe", async (path) => {
    const context = await browser.newContext({ viewport: { width: 375, height: 800 } });
    await signInBrowser(context, base, cookie);
    const page = await context.newPage();
    expect((await page.goto(`${base}${path}`))?.status()).toBe(200);
    await expect(page.locator("script").count()).resolves.toBe(0);
    const widths = await page.evaluate(() => {
      const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document
        .documentElement;
      return root.scrollWidth;
    });
    expect(widths, path).toBeLessThanOrEqual(375);
    const stops = await tabStops(page);
    expect(stops).toContain("a");
    expect(stops).toContain("button");
    await expectAccessible(page);
    await context.close();
  });
});
