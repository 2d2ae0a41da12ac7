import { createRequire } from "node:module";
import { createPasskeys } from "@oemr-reg/core/members";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { virtualAuthenticator } from "./support/authenticator.ts";
import { browserForFile } from "./support/browser.ts";
import { activeMember, memberStore } from "./support/member-session.ts";

const browser = await browserForFile();
describe("proto", () => {
  it("works", async () => {
    const origin = new URL(Resource.Settings.publicUrl).origin;
    console.log(origin);
    const context = await browser.newContext();
    await context.route(`${origin}/**`, (route) => route.fulfill({ contentType: "text/html", body: "<!doctype html><title>x</title>" }));
    const page = await context.newPage();
    await virtualAuthenticator(context, page);
    await page.goto(`${origin}/`);
    const path = createRequire(import.meta.url).resolve("@simplewebauthn/browser").replace(/script\/index\.js$/, "dist/bundle/index.umd.min.js");
    await page.addScriptTag({ path });
    const m = await activeMember("Proto", ["approve"]);
    const passkeys = createPasskeys({ db: createDocumentClient(), stateTable: Resource.State.name, members: memberStore, publicUrl: Resource.Settings.publicUrl });
    const options = await passkeys.registrationOptions(m);
    const reg = await page.evaluate((optionsJSON) => (globalThis as any).SimpleWebAuthnBrowser.startRegistration({ optionsJSON }), options);
    const cred = await passkeys.verifyRegistration(m.id, reg);
    expect(cred).toBeDefined();
    await passkeys.add(m.id, cred!, "t");
    const ao = await passkeys.approvalOptions(m.id, { draftId: "d", contentHash: "h" });
    const a = await page.evaluate((optionsJSON) => (globalThis as any).SimpleWebAuthnBrowser.startAuthentication({ optionsJSON }), ao);
    const v = await passkeys.verifyApproval(m.id, { draftId: "d", contentHash: "h" }, a);
    expect(v).toMatchObject({ member: { id: m.id } });
  }, 60000);
});
