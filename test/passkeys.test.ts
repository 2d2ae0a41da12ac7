import { createAuditLog } from "@oemr-reg/core/audit";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { createMemberStore, createPasskeys } from "@oemr-reg/core/members";
import type { Hono } from "hono";
import type { BrowserContext, Page } from "playwright-core";
import { Resource } from "sst";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { virtualAuthenticator } from "./support/authenticator.ts";
import { browserForFile, expectAccessible } from "./support/browser.ts";
import { screenshotPath } from "./support/docs-output.ts";
import { freePort, serveForFile } from "./support/serve.ts";
import { ownStack } from "./support/stack.ts";

// WebAuthn's relying party is the public URL's host: `localhost`, on a port known before the app is built.
const port = await freePort();
const base = `http://localhost:${port}`;
const PIN = "passkeys-pin-97531";
await ownStack("passkeys", { pin: PIN, settings: { publicUrl: base } });
const { app } = await import("@oemr-reg/functions/api");
await serveForFile(app as unknown as Hono, port);
const browser = await browserForFile();
const [db, stateTable] = [createDocumentClient(), Resource.State.name];
const members = createMemberStore({ db, stateTable });
const passkeys = createPasskeys({ db, stateTable, members, publicUrl: base });
const audit = createAuditLog({ db, stateTable, retentionDays: 30 });

let context: BrowserContext;
let page: Page;
let authenticator: Awaited<ReturnType<typeof virtualAuthenticator>>;
beforeAll(async () => {
  context = await browser.newContext();
  page = await context.newPage();
  authenticator = await virtualAuthenticator(context, page);
});
afterAll(() => context.close());

/** The newest audit record of `action`. */
const SLOW = 60_000;
const lastAudit = async (action: string) => (await audit.page({ action })).records[0];
const status = () => page.locator("#webauthn-status");

/** Clicks a ceremony's button and waits for the page it leads to, or for its error to show. */
async function ceremony(name: string, expectUrl?: string) {
  await page.getByRole("button", { name }).click();
  if (expectUrl)
    await page.waitForURL(expectUrl, { timeout: 10_000 }).catch(async (error) => {
      throw new Error(`${error.message}; the page says: ${await status().textContent()}`);
    });
  else await expect.poll(() => status().textContent()).not.toBe("");
}

async function signOut() {
  await page.getByRole("button", { name: "Log out" }).click();
  await page.waitForURL(`${base}/console/login`);
}

/** Signs in with the authenticator's passkey; `refused`: waits for the page to say why not. */
async function signIn({ refused = false } = {}) {
  await page.goto(`${base}/console/login`);
  await ceremony("Sign in with a passkey", refused ? undefined : `${base}/console`);
}

let memberId = "";
let invitationToken = "";

describe("passkeys in the console", () => {
  it(
    "turn an invitation into an active member with a passkey, once",
    async () => {
      const { member, invitation } = await members.add({
        name: "Ada Board",
        email: "ada@board.example",
        roles: ["admin"],
      });
      [memberId, invitationToken] = [member.id, invitation.token];
      const response = await page.goto(`${base}/console/invitation/${invitation.token}`);
      const csp = response?.headers()["content-security-policy"] ?? "";
      expect(csp).toMatch(/script-src 'sha256-[^']+'/);
      expect(csp).not.toMatch(/unsafe-inline/);
      await page.getByText("Ada Board (ada@board.example) is invited").waitFor();
      await expectAccessible(page);
      await page.screenshot({ path: screenshotPath("invitation.png"), fullPage: true });
      await ceremony("Create passkey", `${base}/console`);
      expect(await members.get(memberId)).toMatchObject({ status: "active" });
      expect(await passkeys.list(memberId)).toHaveLength(1);
      expect(await authenticator.credentials()).toHaveLength(1);
      expect(await lastAudit("invitation.accepted")).toMatchObject({ actor: { kind: "member", id: memberId } });
      expect(await lastAudit("passkey.added")).toMatchObject({ actor: { id: memberId } });
      const again = await page.goto(`${base}/console/invitation/${invitation.token}`);
      expect(again?.status()).toBe(410);
    },
    SLOW,
  );

  it(
    "signs in with the passkey; the PIN no longer opens the console",
    async () => {
      await page.goto(`${base}/console`);
      await signOut();
      expect(await page.getByLabel("PIN").count()).toBe(0);
      await expectAccessible(page);
      await signIn();
      expect(await lastAudit("signin.passkey")).toMatchObject({ actor: { id: memberId } });
      const overview = await page.goto(`${base}/console`);
      expect(overview?.headers()["content-security-policy"]).not.toMatch(/script-src/);
      const pin = await fetch(`${base}/console/login`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: base },
        body: new URLSearchParams({ secretPin: PIN }),
      });
      expect(pin.status).toBe(403);
    },
    SLOW,
  );

  it(
    "adds a second passkey that signs in, and refuses a removed one",
    async () => {
      const [first] = await authenticator.credentials();
      await authenticator.swap();
      await page.goto(`${base}/console/passkeys`);
      await expectAccessible(page);
      await page.getByLabel("Name").fill("Phone");
      await ceremony("Add a passkey", `${base}/console/passkeys`);
      await page.getByRole("cell", { name: "Phone" }).waitFor();
      await page.screenshot({ path: screenshotPath("passkeys.png"), fullPage: true });
      expect(await passkeys.list(memberId)).toHaveLength(2);
      await signOut();
      await signIn();
      // Remove the first passkey, then offer it alone: refused.
      const stored = await passkeys.list(memberId);
      const removed = stored.find(({ name }) => name !== "Phone")!;
      await page.goto(`${base}/console/passkeys`);
      await page.locator("tr", { hasText: removed.name }).getByRole("button", { name: "Remove" }).click();
      await page.waitForURL(`${base}/console/passkeys`);
      expect(await passkeys.list(memberId)).toHaveLength(1);
      expect(await lastAudit("passkey.removed")).toMatchObject({ actor: { id: memberId } });
      const [second] = await authenticator.credentials();
      await authenticator.removeCredential(second!.credentialId);
      await authenticator.addCredential(first!);
      await signOut();
      await signIn({ refused: true });
      expect(await status().textContent()).toMatch(/does not open the console/);
      expect(await lastAudit("signin.refused")).toMatchObject({ object: expect.stringMatching(/^unknown-credential/) });
      await authenticator.removeCredential(first!.credentialId);
      await authenticator.addCredential(second!);
      await signIn();
    },
    SLOW,
  );

  it(
    "refuses a replayed assertion and one made for another origin",
    async () => {
      await page.goto(`${base}/console`);
      await signOut();
      const verifyPath = `${base}/console/login/passkey/verify`;
      const [request] = await Promise.all([page.waitForRequest(verifyPath), signIn()]);
      const replay = await fetch(verifyPath, {
        method: "POST",
        headers: { "content-type": "application/json", origin: base },
        body: request.postData(),
      });
      expect(replay.status).toBe(403);
      expect(await lastAudit("signin.refused")).toMatchObject({ object: expect.stringMatching(/^challenge/) });
      // A real assertion, checked by a stage whose public URL is another origin on the same host.
      await signOut();
      let answer: { response: Parameters<typeof passkeys.authenticate>[0] } | undefined;
      await page.route(verifyPath, async (route, sent) => {
        answer = sent.postDataJSON();
        await route.abort();
      });
      await page.getByRole("button", { name: "Sign in with a passkey" }).click();
      await expect.poll(() => answer).toBeDefined();
      await page.unroute(verifyPath);
      const elsewhere = createPasskeys({ db, stateTable, members, publicUrl: "http://localhost:1" });
      expect(await elsewhere.authenticate(answer!.response)).toMatchObject({ refused: "invalid-assertion" });
    },
    SLOW,
  );

  it(
    "keeps the last passkey; with scripts off the pages render and the remove form works",
    async () => {
      await signIn();
      const spare = { id: `spare${crypto.randomUUID()}`, publicKey: "cHVibGlj", counter: 0, transports: [] };
      await passkeys.add(memberId, spare, "Spare");
      const noScript = await browser.newContext({ javaScriptEnabled: false });
      await noScript.addCookies(await context.cookies());
      const plain = await noScript.newPage();
      await plain.goto(`${base}/console/passkeys`);
      await plain.locator("tr", { hasText: "Spare" }).getByRole("button", { name: "Remove" }).click();
      await plain.waitForURL(`${base}/console/passkeys`);
      expect((await passkeys.list(memberId)).map(({ name }) => name)).toEqual(["Phone"]);
      const last = plain.waitForResponse(`${base}/console/passkeys/remove`);
      await plain.getByRole("button", { name: "Remove" }).click();
      expect((await last).status()).toBe(409);
      await plain.getByText("This is your last passkey").waitFor();
      expect(await passkeys.list(memberId)).toHaveLength(1);
      for (const path of ["/console/login", `/console/invitation/${invitationToken}`])
        expect((await plain.goto(`${base}${path}`))?.headers()["content-type"]).toMatch(/text\/html/);
      await plain.getByText("Invitation closed").waitFor();
      await noScript.close();
    },
    SLOW,
  );

  it("closes an invitation link after 24 hours, and one that never was", async () => {
    const dayAgo = new Date(Date.now() - 24 * 60 * 60 * 1000 - 1000);
    const old = createMemberStore({ db, stateTable, now: () => dayAgo });
    const { invitation } = await old.add({ name: "Late", email: "late@board.example", roles: ["compose"] });
    for (const token of [invitation.token, "x".repeat(32), "short"]) {
      const response = await fetch(`${base}/console/invitation/${token}`);
      expect(response.status).toBe(410);
      expect(await response.text()).toMatch(/used already, or has expired/);
    }
    const options = await fetch(`${base}/console/invitation/${invitation.token}/options`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: base },
      body: "{}",
    });
    expect(options.status).toBe(410);
  });

  it(
    "refuses a revoked member's live session and passkey at once",
    async () => {
      await page.goto(`${base}/console/passkeys`);
      expect(page.url()).toBe(`${base}/console/passkeys`);
      await members.revoke(memberId);
      await page.goto(`${base}/console/passkeys`);
      expect(page.url()).toBe(`${base}/console/login`);
      await signIn({ refused: true });
      expect(await status().textContent()).toMatch(/does not open the console/);
      expect(await lastAudit("signin.refused")).toMatchObject({ object: expect.stringMatching(/^unknown-credential/) });
    },
    SLOW,
  );
});
