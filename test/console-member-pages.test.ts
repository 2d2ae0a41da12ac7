import { createAuditLog } from "@oemr-reg/core/audit";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { createTokens } from "@oemr-reg/core/members";
import { app } from "@oemr-reg/functions/api";
import type { Hono } from "hono";
import type { BrowserContext, Page } from "playwright-core";
import { Resource } from "sst";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserForFile, expectAccessible } from "./support/browser.ts";
import { screenshotPath } from "./support/docs-output.ts";
import { memberSession, memberStore, signInBrowser } from "./support/member-session.ts";
import { serveForFile } from "./support/serve.ts";

const PIN = Resource.SecretPin.value;
const base = await serveForFile(app as unknown as Hono);
const browser = await browserForFile();
const db = createDocumentClient();
const stateTable = Resource.State.name;
const audit = createAuditLog({ db, stateTable, retentionDays: 730 });
const tokens = createTokens({ db, stateTable, members: memberStore });

const call = (path: string, init: RequestInit = {}) => fetch(`${base}${path}`, { redirect: "manual", ...init });
const form = (
  fields: Record<string, string | string[]>,
  { cookie, origin = base }: { cookie?: string; origin?: string } = {},
) => {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const each of [value].flat()) body.append(name, each);
  return {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin, ...(cookie && { cookie }) },
    body,
  };
};
const whoAmI = (token: string) => call("/api/members/me", { headers: { authorization: `Bearer ${token}` } });
const newest = async (action: string) => (await audit.page({ action })).records[0];

let context: BrowserContext;
let page: Page;
beforeAll(async () => {
  context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  page = await context.newPage();
});
afterAll(() => context.close());

describe("the member pages and the PIN's session", () => {
  it("answers the PIN's session (while the stack has no member) 403 on every member page", async () => {
    const login = await call("/console/login", form({ secretPin: PIN }));
    expect(login.status).toBe(303);
    const cookie = login.headers.getSetCookie()[0]!.split(";")[0]!;
    for (const path of ["/console/tokens", "/console/members", "/console/audit"]) {
      const refused = await call(path, { headers: { cookie } });
      expect(refused.status, path).toBe(403);
      expect(await refused.text(), path).toContain("the PIN stands for no one");
    }
    const overview = await (await call("/console", { headers: { cookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(overview)![1]!;
    expect(overview).not.toContain("/console/tokens");
    const made = await call("/console/tokens", form({ csrf, name: "pin", roles: "compose", days: "1" }, { cookie }));
    expect(made.status).toBe(403);
    const invite = { csrf, name: "Pat", email: "pat@clinic.example.org", roles: "admin" };
    expect((await call("/console/members", form(invite, { cookie }))).status).toBe(403);
    expect(await memberStore.list()).toEqual([]);
    expect((await call("/console/tokens")).headers.get("location")).toBe("/console/login");
  });
});

describe("personal tokens", () => {
  it("are made in the browser, shown once, work as Bearer, and are refused once revoked", async () => {
    const { member, cookie } = await memberSession(base, "Tess", ["compose", "approve"]);
    await signInBrowser(context, base, cookie);
    await page.goto(`${base}/console/tokens`);
    await expect(page.locator("h1").textContent()).resolves.toBe("Personal tokens");
    // Only the member's own roles are offered.
    await expect(
      page.locator('input[name="roles"]').evaluateAll((boxes) => boxes.map((box) => box.value)),
    ).resolves.toEqual(["compose", "approve"]);
    await expectAccessible(page);

    await page.getByLabel("Name").fill("laptop CLI");
    await page.getByLabel("compose").check();
    await page.getByLabel(/Days until/).fill("30");
    await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Create token" }).click()]);
    await expect(page.locator("h1").textContent()).resolves.toBe("Your new token");
    const token = await page.getByLabel("Token").inputValue();
    expect(token).toMatch(/^oemr_/);
    await expect(page.locator("main").textContent()).resolves.toContain("oemr-reg login");
    await expect(page.locator("main").textContent()).resolves.toContain("Authorization: Bearer");
    await expectAccessible(page);

    const me = await whoAmI(token);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ kind: "member", id: member.id, roles: ["compose"] });

    await page.goto(`${base}/console/tokens`);
    const listed = await page.locator("#tokens").textContent();
    expect(listed).toContain("laptop CLI");
    await page.screenshot({ path: screenshotPath("tokens.png"), fullPage: true });
    expect(await page.content()).not.toContain(token);
    const record = await newest("token.created");
    expect(record).toMatchObject({ actor: { kind: "member", id: member.id, name: "Tess" } });
    expect(JSON.stringify(record)).not.toContain(token.split("_").at(-1));

    await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Revoke laptop CLI" }).click()]);
    expect(page.url()).toBe(`${base}/console/tokens`);
    await expect(page.locator("#no-tokens").textContent()).resolves.toContain("no personal token");
    expect((await whoAmI(token)).status).toBe(401);
    expect(await newest("token.revoked")).toMatchObject({ actor: { kind: "member", id: member.id } });
  });

  it("refuses roles the member does not hold, more than 365 days, and no name, with the form again", async () => {
    const { member, cookie, csrf } = await memberSession(base, "Uma", ["compose"]);
    const wrong: Record<string, string>[] = [
      { name: "x", roles: "admin", days: "30" },
      { name: "x", roles: "compose", days: "366" },
      { name: " ", roles: "compose", days: "30" },
      { name: "x", days: "30" },
    ];
    for (const fields of wrong) {
      const refused = await call("/console/tokens", form({ ...fields, csrf }, { cookie }));
      expect(refused.status, JSON.stringify(fields)).toBe(400);
      expect(await refused.text()).toContain("No token was made");
    }
    expect(await tokens.list(member.id)).toEqual([]);
  });

  it("changes nothing on a cross-site POST or a wrong CSRF token, and revokes only the member's own", async () => {
    const { member, cookie, csrf } = await memberSession(base, "Vic", ["compose"]);
    const fields = { name: "forged", roles: "compose", days: "30" };
    expect((await call("/console/tokens", form({ ...fields, csrf: "wrong" }, { cookie }))).status).toBe(403);
    const crossSite = form({ ...fields, csrf }, { cookie, origin: "https://evil.example" });
    expect((await call("/console/tokens", crossSite)).status).toBe(403);
    expect(await tokens.list(member.id)).toEqual([]);

    const other = await memberSession(base, "Wen", ["compose"]);
    const { record } = await tokens.create(other.member, { name: "theirs", roles: ["compose"], days: 1 });
    const revoke = `/console/tokens/${record.tokenId}/revoke`;
    expect((await call(revoke, form({ csrf: "wrong" }, { cookie: other.cookie }))).status).toBe(403);
    expect((await call(revoke, form({ csrf }, { cookie }))).status).toBe(404);
    expect(await tokens.list(other.member.id)).toHaveLength(1);
    expect((await call(revoke, form({ csrf: other.csrf }, { cookie: other.cookie }))).status).toBe(303);
    expect(await tokens.list(other.member.id)).toEqual([]);
  });
});

describe("members, for an admin", () => {
  const rowOf = (name: string) => page.locator("#members tbody tr", { has: page.locator("th", { hasText: name }) });
  const click = (name: string) => Promise.all([page.waitForNavigation(), page.getByRole("button", { name }).click()]);

  it("lists every member with a masked address, invites one whose link is shown once and works", async () => {
    const admin = await memberSession(base, "Ada", ["compose", "admin"]);
    await signInBrowser(context, base, admin.cookie);
    await page.goto(`${base}/console/members`);
    await expect(page.locator("nav").textContent()).resolves.toMatch(/Tokens.*Members.*Audit log/s);
    await expect(rowOf("Ada").textContent()).resolves.toContain(`a***@board.example`);
    expect(await page.content()).not.toContain(admin.member.email);
    await expect(rowOf("Ada").textContent()).resolves.toContain("You.");
    await expectAccessible(page);

    await page.getByLabel("Name").fill("Xan");
    await page.getByLabel("Email address").fill("xan.example@clinic.example.org");
    await page.locator('#invite ~ form input[value="compose"]').check();
    await click("Invite");
    await expect(page.locator("h1").textContent()).resolves.toBe("Invitation");
    const link = await page.getByLabel("Invitation link").inputValue();
    expect(link).toMatch(new RegExp(`^${base}/console/invitation/[A-Za-z0-9_-]{32}$`));
    await expectAccessible(page);
    const invited = (await memberStore.list()).find((member) => member.name === "Xan")!;
    expect(invited).toMatchObject({ status: "invited", roles: ["compose"] });
    const record = await newest("member.invited");
    expect(record).toMatchObject({ actor: { id: admin.member.id }, object: `${invited.id} x***@clinic.example.org` });
    expect(await memberStore.accept(link.split("/").at(-1)!)).toBe(invited.id);

    await page.goto(`${base}/console/members`);
    await expect(rowOf("Xan").textContent()).resolves.toContain("active");
    await page.screenshot({ path: screenshotPath("members.png"), fullPage: true });
  });

  it("revokes a member, whose token is refused at once, but never the admin itself", async () => {
    const admin = await memberSession(base, "Bo", ["admin"]);
    const target = await memberSession(base, "Yul", ["compose"]);
    const { token } = await tokens.create(target.member, { name: "cli", roles: ["compose"], days: 30 });
    expect((await whoAmI(token)).status).toBe(200);
    await signInBrowser(context, base, admin.cookie);
    await page.goto(`${base}/console/members`);
    await click("Revoke Yul");
    expect(page.url()).toBe(`${base}/console/members`);
    await expect(rowOf("Yul").textContent()).resolves.toContain("revoked");
    expect((await whoAmI(token)).status).toBe(401);
    expect((await call("/console/tokens", { headers: { cookie: target.cookie } })).status).toBe(303);
    expect(await newest("member.revoked")).toMatchObject({ actor: { id: admin.member.id }, object: target.member.id });

    const self = await call(`/console/members/${admin.member.id}/revoke`, form({ csrf: admin.csrf }, admin));
    expect(self.status).toBe(409);
    expect(await self.text()).toContain("You cannot revoke yourself");
    expect(await memberStore.get(admin.member.id)).toMatchObject({ status: "active" });
  });

  it("invites again a member who lost its passkeys, and changes a member's roles", async () => {
    const admin = await memberSession(base, "Cy", ["admin"]);
    const target = await memberSession(base, "Zed", ["compose", "approve"]);
    const { token } = await tokens.create(target.member, { name: "cli", roles: ["compose", "approve"], days: 30 });
    await signInBrowser(context, base, admin.cookie);
    await page.goto(`${base}/console/members`);
    await click("New invitation for Zed");
    const link = await page.getByLabel("Invitation link").inputValue();
    expect(await memberStore.invitation(link.split("/").at(-1)!)).toMatchObject({ memberId: target.member.id });
    expect(await newest("member.reinvited")).toMatchObject({ object: target.member.id });

    await page.goto(`${base}/console/members`);
    const roles = page.getByRole("form", { name: "Roles of Zed" });
    await roles.getByLabel("compose").uncheck();
    await Promise.all([page.waitForNavigation(), roles.getByRole("button", { name: "Change roles" }).click()]);
    expect((await memberStore.get(target.member.id))!.roles).toEqual(["approve"]);
    expect(await (await whoAmI(token)).json()).toMatchObject({ roles: ["approve"] });
    expect(await newest("member.roles-changed")).toMatchObject({ object: `${target.member.id} approve` });
    const none = await call(`/console/members/${target.member.id}/roles`, form({ csrf: admin.csrf }, admin));
    expect(none.status).toBe(400);
  });

  it("refuses a member without admin, a cross-site POST and a wrong CSRF token, changing nothing", async () => {
    const composer = await memberSession(base, "Di", ["compose", "approve"]);
    for (const path of ["/console/members", "/console/audit"]) {
      const refused = await call(path, { headers: { cookie: composer.cookie } });
      expect(refused.status, path).toBe(403);
      expect(await refused.text()).toContain("needs the `admin` role");
    }
    const overview = await (await call("/console", { headers: { cookie: composer.cookie } })).text();
    expect(overview).toContain("/console/tokens");
    expect(overview).not.toContain("/console/members");
    const invite = { name: "Eve", email: "eve@clinic.example.org", roles: "admin" };
    expect((await call("/console/members", form({ ...invite, csrf: composer.csrf }, composer))).status).toBe(403);

    const admin = await memberSession(base, "Ed", ["admin"]);
    const before = (await memberStore.list()).length;
    expect((await call("/console/members", form({ ...invite, csrf: "wrong" }, admin))).status).toBe(403);
    const crossSite = form({ ...invite, csrf: admin.csrf }, { ...admin, origin: "https://evil.example" });
    expect((await call("/console/members", crossSite)).status).toBe(403);
    const revoke = `/console/members/${composer.member.id}/revoke`;
    expect((await call(revoke, form({ csrf: "wrong" }, admin))).status).toBe(403);
    expect((await call(revoke, form({ csrf: composer.csrf }, composer))).status).toBe(403);
    expect((await memberStore.list()).length).toBe(before);
    expect(await memberStore.get(composer.member.id)).toMatchObject({ status: "active" });
  });
});

describe("the audit log page, for an admin", () => {
  const rows = () => page.locator("#audit tbody tr");

  it("shows the records above, newest first, the chain checked, filtered by member and action", async () => {
    const admin = await memberSession(base, "Flo", ["admin"]);
    const tess = (await memberStore.list()).find((member) => member.name === "Tess")!;
    await signInBrowser(context, base, admin.cookie);
    await page.goto(`${base}/console/audit`);
    await expect(page.locator("#chain").textContent()).resolves.toContain("The chain holds");
    const seqs = (await rows().locator("td:first-child").allTextContents()).map(Number);
    expect(seqs).toEqual(seqs.toSorted((a, b) => b - a));
    await expect(page.locator("#audit").textContent()).resolves.toContain("member.revoked");
    await page.screenshot({ path: screenshotPath("audit.png") });
    await expectAccessible(page);

    await page.getByLabel("Member").selectOption({ label: "Tess" });
    await page.getByLabel(/^Action/).fill("token.created");
    await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Filter" }).click()]);
    expect(new URL(page.url()).searchParams.get("member")).toBe(tess.id);
    await expect(rows().count()).resolves.toBe(1);
    await expect(rows().textContent()).resolves.toMatch(/Tess\s*token\.created/);
    await expect(page.getByLabel("Member").inputValue()).resolves.toBe(tess.id);

    await page.getByLabel(/^Action/).fill("token.revoked");
    await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Filter" }).click()]);
    await expect(rows().textContent()).resolves.toContain("token.revoked");
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const today = new Date().toISOString().slice(0, 10);
    const inRange = (since: string, until: string) =>
      call(`/console/audit?action=token.revoked&since=${since}&until=${until}`, { headers: { cookie: admin.cookie } });
    expect(await (await inRange(tomorrow, tomorrow)).text()).toContain("No record matches");
    expect(await (await inRange(today, today)).text()).toContain("token.revoked");
    const bad = await call("/console/audit?since=yesterday", { headers: { cookie: admin.cookie } });
    expect(bad.status).toBe(400);
  });

  it("pages 50 records at a time with a Next page link that keeps the filter", async () => {
    const admin = await memberSession(base, "Gil", ["admin"]);
    const action = `test.paged-${crypto.randomUUID().slice(0, 8)}`;
    for (let i = 1; i <= 53; i++) await audit.record({ actor: { kind: "system" }, action, object: `item ${i}` });
    await signInBrowser(context, base, admin.cookie);
    await page.goto(`${base}/console/audit?action=${action}`);
    await expect(rows().count()).resolves.toBe(50);
    await expect(rows().first().textContent()).resolves.toContain("item 53");
    await expect(rows().last().textContent()).resolves.toContain("item 4");
    await Promise.all([page.waitForNavigation(), page.getByRole("link", { name: "Next page" }).click()]);
    expect(new URL(page.url()).searchParams.get("action")).toBe(action);
    await expect(rows().allTextContents()).resolves.toEqual([
      expect.stringContaining("item 3"),
      expect.stringContaining("item 2"),
      expect.stringContaining("item 1"),
    ]);
    await expect(page.getByRole("link", { name: "Next page" }).count()).resolves.toBe(0);
    await expect(page.locator("#chain").count()).resolves.toBe(0);
    await expect(rows().first().textContent()).resolves.toContain("system");
  });
});
