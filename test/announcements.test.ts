import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { createDynamoBroadcastStore } from "@oemr-reg/core/broadcast";
import { app } from "@oemr-reg/functions/api";
import { XMLParser } from "fast-xml-parser";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { browserForFile, expectAccessible, watchCsp } from "./support/browser.ts";
import { screenshotPath } from "./support/docs-output.ts";
import { gnupgHome } from "./support/pgp.ts";
import { postForm, postJson, serveForFile, uniqueEmail } from "./support/serve.ts";
import { runStackConsumers, untilBroadcastDone } from "./support/stack.ts";

const base = await serveForFile(app);
await runStackConsumers();
const PIN = Resource.SecretPin.value;

expect((await postForm(`${base}/api/registration`, { email: uniqueEmail("archive") })).status).toBe(201);
const title = `OpenEMR 7.0.3.4 security patch ${crypto.randomUUID().slice(0, 8)}`;
const started = await postJson(`${base}/api/registration/broadcast`, {
  secretPin: PIN,
  title,
  contents: "# Patch 4\n\nPlease **upgrade** now: <https://open-emr.org/wiki>.\n\n```\nsh patch.sh\n```",
});
const { broadcastId } = (await started.json()) as { broadcastId: string };
await untilBroadcastDone(base, PIN, broadcastId);
// Sent, but kept out of the archive by the board.
const unlistedTitle = `Test of the list ${crypto.randomUUID().slice(0, 8)}`;
const unlisted = await postJson(`${base}/api/registration/broadcast`, {
  ...{ secretPin: PIN, title: unlistedTitle, contents: "Only a test.", archive: false },
});
expect(unlisted.status).toBe(200);
const { broadcastId: unlistedId } = (await unlisted.json()) as { broadcastId: string };
await untilBroadcastDone(base, PIN, unlistedId);
// Stored but not started, as a scheduled broadcast is until its time: nothing of it is public.
const pendingId = crypto.randomUUID();
await createDynamoBroadcastStore({ db: createDocumentClient(), stateTable: Resource.State.name }).create({
  broadcastId: pendingId,
  content: { title: "Not yet announced", contents: "Embargoed until Tuesday" },
  totalSegments: 4,
  now: new Date(),
});

describe("the public archive", () => {
  it("lists the sent broadcast, not a pending one nor one sent with archive: false; its ETag answers 304", async () => {
    const response = await fetch(`${base}/announcements`);
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toContain(`href="/announcements/${broadcastId}"`);
    expect(body).not.toContain("Not yet announced");
    expect(response.headers.get("cache-control")).toBe("public, max-age=300");
    expect(response.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    expect(response.headers.get("content-security-policy")).not.toMatch(/script-src/);
    const again = await fetch(`${base}/announcements`, { headers: { "If-None-Match": response.headers.get("etag")! } });
    expect(again.status).toBe(304);
    expect((await fetch(`${base}/announcements/${pendingId}`)).status).toBe(404);
    expect(body).not.toContain(unlistedTitle);
    expect((await fetch(`${base}/announcements/${unlistedId}`)).status).toBe(404);
    const badFlag = { secretPin: PIN, title: "t", contents: "c", archive: "maybe" };
    const refused = await postJson(`${base}/api/registration/broadcast`, badFlag);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: "InvalidArchiveFlagException" });
    expect((await fetch(`${base}/announcements?after=not-a-cursor`)).status).toBe(400);
  });

  it("shows an announcement as sent, without the footer, and its clearsigned text verifies with gpg", async () => {
    const response = await fetch(`${base}/announcements/${broadcastId}`);
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toContain("<strong>upgrade</strong>");
    expect(body).not.toContain("/api/registration/unsubscribe/");
    expect(body).not.toContain("@clinic.example.org");
    const armor = /<pre>(-----BEGIN PGP SIGNED MESSAGE-----[\s\S]*?-----END PGP SIGNATURE-----)/;
    const clearsigned = armor.exec(body)![1]!;
    const text = clearsigned
      .replace(/&amp;/g, "&")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"');

    const { home, gpg } = gnupgHome();
    writeFileSync(join(home, "key.asc"), await (await fetch(`${base}/announcements/key.asc`)).text());
    gpg("--import", join(home, "key.asc"));
    writeFileSync(join(home, "announcement.asc"), text);
    const verified = gpg("--verify", join(home, "announcement.asc"));
    expect(verified.status).toBe(0);
    expect(verified.out).toContain("[GNUPG:] GOODSIG");
    writeFileSync(join(home, "forged.asc"), text.replace("upgrade", "Upgrade"));
    expect(gpg("--verify", join(home, "forged.asc")).out).toContain("[GNUPG:] BADSIG");
  });

  it("serves an Atom feed and a JSON Feed that independent parsers read, listing only the sent broadcast", async () => {
    const atom = await fetch(`${base}/announcements/feed.atom`);
    expect(atom.headers.get("content-type")).toBe("application/atom+xml");
    const parsed = new XMLParser({ ignoreAttributes: false }).parse(await atom.text());
    expect(parsed.feed["@_xmlns"]).toBe("http://www.w3.org/2005/Atom");
    const entries = [parsed.feed.entry].flat();
    expect(entries.map((entry: { title: { "#text"?: string } | string }) => JSON.stringify(entry.title))).toEqual([
      expect.stringContaining(title),
    ]);
    for (const field of ["id", "title", "updated"]) expect(parsed.feed[field], field).toBeDefined();

    const json = await fetch(`${base}/announcements/feed.json`);
    expect(json.headers.get("content-type")).toBe("application/feed+json");
    const feed = (await json.json()) as { version: string; title: string; items: { id: string; title: string }[] };
    expect(feed.version).toBe("https://jsonfeed.org/version/1"); // what `feed` 6 writes
    expect(feed.title).toBeTruthy();
    expect(feed.items.map((item) => item.title)).toEqual([title]);
    expect(feed.items[0]!.id).toBe(`https://reg.test.example.org/announcements/${broadcastId}`);
  });

  it("reads well at 375 px and passes axe, with no script and nothing the CSP refuses", {
    timeout: 60_000,
  }, async () => {
    const browser = await browserForFile();
    const page = await (await browser.newContext({ viewport: { width: 375, height: 800 } })).newPage();
    const refused = watchCsp(page);
    for (const [path, name] of [
      ["/announcements", "archive.png"],
      [`/announcements/${broadcastId}`, "announcement.png"],
      ["/announcements/keys", "keys.png"],
    ] as const) {
      expect((await page.goto(`${base}${path}`))!.status()).toBe(200);
      expect(await refused(), path).toEqual([]);
      await expectAccessible(page);
      expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(375);
      expect(await page.locator("script").count()).toBe(0);
      await page.screenshot({ path: screenshotPath(name, "announcements"), fullPage: true });
    }
    for (const feed of ["/announcements/feed.atom", "/announcements/feed.json"]) {
      expect((await page.goto(`${base}${feed}`))!.status(), feed).toBe(200);
      expect(await refused(), feed).toEqual([]);
    }
  });
});
