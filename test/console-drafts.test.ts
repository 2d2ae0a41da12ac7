import { createAuditLog } from "@oemr-reg/core/audit";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { createDynamoBroadcastStore, startBroadcast } from "@oemr-reg/core/broadcast";
import { createDraftStore } from "@oemr-reg/core/drafts/store";
import { createMemberStore, type Role } from "@oemr-reg/core/members";
import { startSesProxy } from "@oemr-reg/local/ses-proxy";
import type { Hono } from "hono";
import type { Page } from "playwright-core";
import { Resource } from "sst";
import { afterAll, describe, expect, inject, it } from "vitest";
import { virtualAuthenticator } from "./support/authenticator.ts";
import { browserForFile, expectAccessible, sessionOf } from "./support/browser.ts";
import { screenshotPath } from "./support/docs-output.ts";
import { freePort, postForm, serveForFile, uniqueEmail } from "./support/serve.ts";
import { emailsWithSubject, eventually, ownStack, runStackConsumers } from "./support/stack.ts";

// WebAuthn's relying party is the public URL's host: `localhost`, on a port known before the app is
// built. The SES proxy keeps the bytes SES was given, so that a test send's MIME is set beside a recipient's.
const port = await freePort();
const base = `http://localhost:${port}`;
const proxy = await startSesProxy(inject("endpoints").ses, { keepRaw: true });
afterAll(() => proxy.close());
process.env.AWS_ENDPOINT_URL_SES = proxy.url;
const provisioned = await ownStack("console-drafts", { settings: { publicUrl: base } });
const { app } = await import("@oemr-reg/functions/api");
// After the stack is linked: the helper reads its tables when loaded.
const { memberCookie } = await import("./support/member-session.ts");
await serveForFile(app as unknown as Hono, port);
await runStackConsumers(provisioned);
const browser = await browserForFile();
const [db, stateTable] = [createDocumentClient(), Resource.State.name];
const members = createMemberStore({ db, stateTable });
const drafts = createDraftStore({ db, stateTable });
const broadcasts = createDynamoBroadcastStore({ db, stateTable });
const audit = createAuditLog({ db, stateTable, retentionDays: 730 });
const SLOW = 90_000;

const recipient = uniqueEmail("console-drafts");
expect((await postForm(`${base}/api/registration`, { email: recipient })).status).toBe(201);

/** The audit records of `action` on `object`, newest first. */
const audited = async (action: string, object: string) =>
  (await audit.page({ action })).records.filter((record) => record.object?.startsWith(object));

/** A member who accepted an invitation with a passkey of its own browser's virtual authenticator, signed in. */
async function withPasskey(name: string, roles: Role[]) {
  const { member, invitation } = await members.add({ name, email: uniqueEmail(name.toLowerCase()), roles });
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  await virtualAuthenticator(context, page);
  await page.goto(`${base}/console/invitation/${invitation.token}`);
  await page.getByRole("button", { name: "Create passkey" }).click();
  await page.waitForURL(`${base}/console`).catch(async (error: Error) => {
    throw new Error(`${error.message}; the page says: ${await status(page).textContent()}`);
  });
  afterAll(() => context.close());
  return { member, context, page, ...(await sessionOf(context, page, base)) };
}

const status = (page: Page) => page.locator("#webauthn-status");
const submit = async (page: Page, name: string) =>
  Promise.all([page.waitForNavigation(), page.getByRole("button", { name }).click()]);
const draftUrl = (draftId: string) => `${base}/console/drafts/${draftId}`;
const idOf = (page: Page) => new URL(page.url()).pathname.split("/").at(-1)!;

/** Clicks "Approve with your passkey" and waits for the page it reloads to leave `pending`. */
async function approveOnPage(page: Page, draftId: string) {
  await page.goto(draftUrl(draftId));
  await submit(page, "Approve with your passkey").catch(async (error: Error) => {
    throw new Error(`${error.message}; the page says: ${await status(page).textContent()}`);
  });
  return page.locator("#state").textContent();
}

const ada = await withPasskey("Ada", ["compose", "approve"]);
const ben = await withPasskey("Ben", ["approve"]);
/** A member who accepted the invitation, with a session's cookie and its CSRF token, and no browser. */
async function signedIn(name: string, roles: Role[]) {
  const { member, invitation } = await members.add({ name, email: uniqueEmail(name.toLowerCase()), roles });
  expect(await members.accept(invitation.token)).toBe(member.id);
  const cookie = await memberCookie(member.id);
  const page = await (await fetch(`${base}/console`, { headers: { cookie } })).text();
  return { member, cookie, csrf: /name="csrf" value="([^"]+)"/.exec(page)![1]! };
}
const cy = await signedIn("Cy", ["approve"]);
const [cyCookie, cyCsrf] = [cy.cookie, cy.csrf];
const title = `Embargoed fix ${crypto.randomUUID().slice(0, 8)}`;
let draftId = "";

describe("drafts in the console", () => {
  it(
    "are saved, edited (two revisions), and test-sent to the member's own inbox",
    async () => {
      const { page } = ada;
      await page.goto(`${base}/console`);
      await Promise.all([page.waitForNavigation(), page.getByRole("link", { name: "Drafts" }).click()]);
      await Promise.all([page.waitForNavigation(), page.getByRole("link", { name: "New draft" }).click()]);
      await page.getByLabel("Title").fill(title);
      await page.getByLabel("Message (Markdown)").fill("Upgrade to **7.0.4**.");
      await submit(page, "Save");
      draftId = idOf(page);
      await expect(page.locator("#revisions tbody tr").count()).resolves.toBe(1);
      await page.getByLabel("Message (Markdown)").fill("Upgrade to **7.0.4** today.");
      await submit(page, "Save");
      const revisions = page.locator("#revisions tbody tr");
      await expect(revisions.count()).resolves.toBe(2);
      await expect(revisions.nth(1).textContent()).resolves.toMatch(/Ada\s*contents/);
      expect(await page.locator("#content-hash").textContent()).toBe((await drafts.get(draftId))!.contentHash);
      await expectAccessible(page);
      expect(await audited("draft.saved", draftId)).toHaveLength(2);

      // Ada's own box is ticked; the others are there, each on its line.
      await expect(page.getByLabel("Ada").isChecked()).resolves.toBe(true);
      await expect(page.getByLabel("Ben").isChecked()).resolves.toBe(false);
      await submit(page, "Send a test");
      await expect(page.locator("#test-result").textContent()).resolves.toMatch(/Sent to 1 member.*\d+ KB/s);
      await expect(page.getByText("No warning.").isVisible()).resolves.toBe(true);
      const [test] = await eventually(async () => {
        const found = await emailsWithSubject(`[Test] ${title}`);
        return found.length ? found : undefined;
      });
      expect(test!.destination.to.join(" ")).toContain(ada.member.email);
      expect(await audited("draft.test-sent", draftId)).toHaveLength(1);
    },
    SLOW,
  );

  it(
    "asks for approval; the requester sees no approve button, and a forced approval is refused",
    async () => {
      const { page } = ada;
      await page.goto(draftUrl(draftId));
      await submit(page, "Ask for approval");
      await expect(page.locator("#state").textContent()).resolves.toBe("pending");
      expect(await audited("draft.approval-requested", draftId)).toHaveLength(1);
      await expect(page.getByRole("button", { name: "Approve with your passkey" }).count()).resolves.toBe(0);
      // The server's own button, forced into the requester's page: the ceremony runs, the flow refuses.
      const { contentHash } = (await drafts.get(draftId))!;
      await page.route(draftUrl(draftId), async (route) => {
        const response = await route.fetch();
        const csp = response.headers()["content-security-policy"]!;
        const hash = /script-src '(sha256-[^']+)'/.exec(csp)![1];
        const forced = `<p id="webauthn-status" aria-live="polite"></p><button type="button" data-webauthn="approve"
data-options="/console/drafts/${draftId}/approval/options" data-verify="/console/drafts/${draftId}/approval/verify"
data-csrf="${ada.csrf}" data-hash="${contentHash}" disabled>Approve anyway</button>
<script src="/console/webauthn.js" integrity="${hash}" defer></script>`;
        await route.fulfill({ response, body: (await response.text()).replace("</main>", `${forced}</main>`) });
      });
      await page.goto(draftUrl(draftId));
      await page.getByRole("button", { name: "Approve anyway" }).click();
      await expect.poll(() => status(page).textContent()).toMatch(/cannot give it/);
      await page.unroute(draftUrl(draftId));
      expect(await drafts.get(draftId)).toMatchObject({ state: "pending", approvals: [] });
    },
    SLOW,
  );

  it(
    "shows a member without compose no form, and refuses an approval whose challenge was another member's",
    async () => {
      const { page } = ben;
      await page.goto(draftUrl(draftId));
      for (const name of ["Save", "Send a test", "Delete this draft", "Ask for approval"])
        await expect(page.getByRole("button", { name }).count(), name).resolves.toBe(0);
      await expect(page.getByLabel("Message (Markdown)").count()).resolves.toBe(0);
      await expect(page.getByLabel("Message").textContent()).resolves.toBe("Upgrade to **7.0.4** today.");
      await expectAccessible(page);
      await page.screenshot({ path: screenshotPath("draft.png"), fullPage: true });
      // Ben's real assertion, over a challenge issued to Ben, posted by Cy's session.
      const verify = `${draftUrl(draftId)}/approval/verify`;
      let answer: Record<string, unknown> | undefined;
      await page.route(verify, async (route, sent) => {
        answer = sent.postDataJSON();
        await route.abort();
      });
      await page.getByRole("button", { name: "Approve with your passkey" }).click();
      await expect.poll(() => answer).toBeDefined();
      await page.unroute(verify);
      const posted = await fetch(verify, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json", origin: base, cookie: cyCookie },
        body: JSON.stringify({ ...answer, csrf: cyCsrf }),
      });
      expect(posted.status).toBe(403);
      expect(await posted.json()).toMatchObject({ error: "PasskeyApprovalException" });
      const [refused] = await audited("draft.approval-refused", draftId);
      expect(refused).toMatchObject({ actor: { kind: "member", id: cy.member.id } });
      expect(await drafts.get(draftId)).toMatchObject({ state: "pending", approvals: [] });
    },
    SLOW,
  );

  it(
    "is approved by a second member's passkey on the page, and starts exactly one broadcast",
    async () => {
      expect(await approveOnPage(ben.page, draftId)).toBe("started");
      const draft = (await drafts.get(draftId))!;
      expect(draft.approvals.map(({ by }) => by.id)).toEqual([ben.member.id]);
      const { broadcasts: all } = await broadcasts.list({ limit: 100 });
      expect(all.filter((broadcast) => broadcast.draftId === draftId)).toHaveLength(1);
      expect(await audited("draft.approved", draftId)).toMatchObject([{ actor: { id: ben.member.id } }]);
      expect(await audited("broadcast.started", draft.broadcastId!)).toHaveLength(1);
      await Promise.all([ben.page.waitForNavigation(), ben.page.getByRole("link", { name: "its broadcast" }).click()]);
      await expect(ben.page.locator("#reach").textContent()).resolves.toMatch(
        /Reach at approval: \d+ of \d+ active addresses; at start: \d+ of \d+ active addresses/,
      );
      // The recipients' email and the test have the same MIME tree and list headers.
      const raw = (address: string, subject: string) =>
        proxy.sends.find((send) => send.recipient.includes(address) && send.raw!.toString().includes(subject))?.raw;
      const real = await eventually(async () => raw(recipient, title), 60_000, "the broadcast's email");
      const test = raw(ada.member.email, `[Test] ${title}`)!;
      const structure = (bytes: Buffer) =>
        [...bytes.toString().matchAll(/^Content-Type: ([\w/-]+)/gim)].map(([, type]) => type!.toLowerCase());
      expect(structure(test)).toEqual(structure(real));
      expect(test.toString()).toMatch(/^List-Unsubscribe:/m);
    },
    SLOW,
  );

  it(
    "schedules a draft for its embargo time with its offset, and cancels it before it starts",
    async () => {
      const { page } = ada;
      const at = new Date(Date.now() + 2 * 24 * 3_600_000);
      at.setUTCSeconds(0, 0);
      // The local time of that instant at UTC+02:00, as `datetime-local` gives it.
      const local = new Date(at.getTime() + 2 * 3_600_000).toISOString().slice(0, 16);
      await page.goto(`${base}/console/drafts/new`);
      await page.getByLabel("Title").fill(`Scheduled ${title}`);
      await page.getByLabel("Message (Markdown)").fill("Later.");
      await page.getByLabel("Not before").fill(local);
      await page.getByLabel("UTC offset").fill("+02:00");
      await submit(page, "Save");
      const scheduledId = idOf(page);
      const shown = `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
      await expect(page.locator("#send-time").textContent()).resolves.toBe(shown);
      expect((await drafts.get(scheduledId))!.sendAt).toBe(at.toISOString());
      await submit(page, "Ask for approval");
      expect(await approveOnPage(ben.page, scheduledId)).toBe("scheduled");
      await submit(ben.page, "Cancel this draft");
      await expect(ben.page.locator("#state").textContent()).resolves.toBe("cancelled");
      expect(await audited("draft.scheduled", scheduledId)).toHaveLength(1);
      expect(await audited("draft.cancelled", scheduledId)).toMatchObject([{ actor: { id: ben.member.id } }]);
      expect((await drafts.get(scheduledId))!.broadcastId).toBeUndefined();
      await page.goto(`${base}/console/drafts`);
      await expect(page.locator("#drafts tbody tr").allTextContents()).resolves.toEqual([
        expect.stringMatching(/Scheduled .*cancelled/s),
        expect.stringMatching(/Embargoed .*started/s),
      ]);
      await page.screenshot({ path: screenshotPath("drafts.png"), fullPage: true });
    },
    SLOW,
  );

  it(
    "stops a running broadcast for good, once its box is ticked",
    async () => {
      // Queued with no fan-out behind it: it stays running until stopped.
      const { broadcastId } = await startBroadcast(
        { broadcasts, fanoutQueue: { send: async () => undefined }, now: new Date() },
        { title: `Running ${title}`, contents: "Hi." },
      );
      const { page } = ben;
      await page.goto(`${base}/console/broadcasts/${broadcastId}`);
      const path = `/console/broadcasts/${broadcastId}/cancel`;
      const unticked = await fetch(`${base}${path}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: base, cookie: ben.cookie },
        body: new URLSearchParams({ csrf: ben.csrf }),
      });
      expect(unticked.status).toBe(400);
      expect((await broadcasts.get(broadcastId))!.status).toBe("queued");
      await page.getByLabel(/Stop it/).check();
      await submit(page, "Stop for good");
      expect((await broadcasts.get(broadcastId))!.status).toBe("cancelled");
      await expect(page.getByRole("button", { name: "Stop for good" }).count()).resolves.toBe(0);
      expect(await audited("broadcast.cancelled", broadcastId)).toMatchObject([{ actor: { id: ben.member.id } }]);
    },
    SLOW,
  );
});

describe("the drafts' pages refuse", () => {
  it("a member without compose: no new draft's page, and no save", async () => {
    const cookie = ben.cookie;
    const form = new URLSearchParams({ csrf: ben.csrf, title: "No", contents: "No." });
    const headers = { "content-type": "application/x-www-form-urlencoded", origin: base, cookie };
    expect((await fetch(`${base}/console/drafts`, { method: "POST", headers, body: form })).status).toBe(403);
    expect((await fetch(`${base}/console/drafts/new`, { headers: { cookie } })).status).toBe(403);
  });

  it("a member without approve: neither step of a passkey approval", async () => {
    const dee = await signedIn("Dee", ["compose"]);
    for (const step of ["options", "verify"]) {
      const answer = await fetch(`${draftUrl(draftId)}/approval/${step}`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json", origin: base, cookie: dee.cookie },
        body: JSON.stringify({ csrf: dee.csrf }),
      });
      expect(answer.status, step).toBe(403);
      expect(await answer.json(), step).toMatchObject({ error: "MissingRoleException" });
    }
  });
});
