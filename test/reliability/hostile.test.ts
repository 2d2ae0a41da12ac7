import { servedRoutes } from "@oemr-reg/core/http/app";
import { signToken } from "@oemr-reg/core/tokens";
import { app, handler } from "@oemr-reg/functions/api";
import { httpApiEvent, lambdaContext } from "@oemr-reg/local/lambda-events";
import fc from "fast-check";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { uniqueEmail } from "../support/serve.ts";
import { recordFigure, recordSecrets } from "./support/figures.ts";

const PIN = "board-pin-24681357"; // ownStack's default, which test/setup/stack.ts uses
const tokenKey = Resource.UnsubscribeKey.value;
recordSecrets(PIN, tokenKey);
// What no response may show: a stack frame, a file, an internal name, a table.
const INTERNALS =
  /at .*\.(ts|js):\d+|node_modules|oemr-reg-|DynamoDB|TransactionCanceled|ConditionalCheckFailed|\bError:|Resource\./;

async function register(email: string): Promise<void> {
  const response = await app.request("/api/registration", { method: "POST", body: new URLSearchParams({ email }) });
  expect(response.status).toBe(201);
}

async function counts(): Promise<{ count: number; active: number }> {
  return (await (await app.request("/api/registration/unique")).json()) as { count: number; active: number };
}

async function unsubscribe(token: string): Promise<Response> {
  return app.request(`/api/registration/unsubscribe/${encodeURIComponent(token)}`, {
    method: "POST",
    body: new URLSearchParams({ "List-Unsubscribe": "One-Click" }),
  });
}

const served = await servedRoutes(app);

describe("every route under arbitrary requests", () => {
  // `app.routes` shows each lazily loaded area as one `ALL` handler: these are the routes it serves.
  const routes = served;

  it("enumerates the app's routes, its lazily loaded areas' too", () => {
    expect(routes).toContain("GET /console/audit");
    expect(routes.length).toBeGreaterThanOrEqual(40);
  });

  it("never answers 5xx, a stack trace or an internal name, whatever the method, headers and body", async () => {
    const segment = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.uuid(),
      fc.string({ unit: "binary", maxLength: 300 }),
      fc.constant("x".repeat(5000)),
    );
    const path = fc
      .tuple(fc.constantFrom(...routes), segment)
      .map(([route, value]) => route.split(" ")[1]!.replace(/\{[A-Za-z]+\}/g, () => encodeURIComponent(value)));
    const method = fc.constantFrom("GET", "POST", "POST", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD");
    const contentType = fc.oneof(
      fc.constantFrom(
        "application/json",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "text/plain",
        "application/ld+json",
        "application/json; charset=utf-16",
      ),
      fc.string({ maxLength: 60 }),
    );
    const deep = fc.integer({ min: 1, max: 100_000 }).map((depth) => `${"[".repeat(depth)}${"]".repeat(depth)}`);
    const body = fc.oneof(
      fc.json(),
      fc
        .dictionary(
          fc.constantFrom(
            "email",
            "secretPin",
            "title",
            "contents",
            "html",
            "List-Unsubscribe",
            "confirm",
            "__proto__",
            "constructor",
          ),
          fc.jsonValue(),
        )
        .map((value) => JSON.stringify(value)),
      fc.string({ unit: "binary", maxLength: 3000 }),
      fc.uint8Array({ maxLength: 30_000 }),
      // Invalid UTF-8: lone continuation bytes, overlong forms, surrogates.
      fc
        .array(fc.constantFrom(0x80, 0xbf, 0xc0, 0xc1, 0xed, 0xa0, 0xf5, 0xff, 0x22, 0x7b), { maxLength: 2000 })
        .map((bytes) => Uint8Array.from(bytes)),
      deep,
      fc.constantFrom(
        "email=" + "a".repeat(2 * 1024 * 1024),
        JSON.stringify({ email: "x@y.org", contents: "#".repeat(1_500_000) }),
      ),
    );
    const headers = fc.dictionary(
      fc.constantFrom(
        "x-secret-pin",
        "accept",
        "content-encoding",
        "x-forwarded-for",
        "origin",
        "content-language",
        "x-http-method-override",
        "cookie",
      ),
      fc.string({ maxLength: 80 }),
      { maxKeys: 4 },
    );
    let runs = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(method, path, contentType, headers, body, async (verb, url, type, extra, payload) => {
        runs += 1;
        const init = new Headers();
        for (const [name, value] of Object.entries({ ...extra, "content-type": type })) {
          try {
            init.set(name, value);
          } catch {
            // A header no HTTP client could send is not a case to test.
          }
        }
        const withBody = verb !== "GET" && verb !== "HEAD";
        const response = await app.request(url, { method: verb, headers: init, body: withBody ? payload : undefined });
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const text = await response.text();
        expect(response.status, `${verb} ${url.slice(0, 80)}`).toBeLessThan(500);
        expect(text).not.toMatch(INTERNALS);
      }),
      { numRuns: 1_500 },
    );
    recordFigure({
      check: "fuzz: every route",
      tried:
        `${runs} random requests over ${routes.length} routes ` +
        "(methods, content types, headers, huge, nested, binary, invalid UTF-8 bodies)",
      count: runs,
      lost: 0,
      notes: [...statuses]
        .sort(([a], [b]) => a - b)
        .map(([status, n]) => `${status}×${n}`)
        .join(" "),
    });
  }, 300_000);
});

describe("unsubscribe tokens under attack", () => {
  it("10,000 forged or mutated tokens change nothing, and one address's token never unsubscribes another", async () => {
    const [victim, bystander] = [uniqueEmail("victim"), uniqueEmail("bystander")];
    await register(victim);
    await register(bystander);
    const valid = await signToken(tokenKey, { purpose: "unsubscribe", email: victim });
    const confirmToken = await signToken(tokenKey, { purpose: "confirm", email: victim });
    const foreignKey = await signToken("another-key", { purpose: "unsubscribe", email: victim });
    const [version, kid, sealed] = valid.split(".") as [string, string, string];
    const foreignSealed = foreignKey.split(".")[2]!;
    // Today's format before this one: a readable address and an HMAC, which an attacker can only guess.
    const legacyForgery = (email: string, mac: string) =>
      `${Buffer.from(JSON.stringify({ e: email })).toString("base64url")}.${mac}`;
    recordSecrets(victim, bystander, valid, confirmToken, foreignKey);
    const before = await counts();

    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
    const macLike = fc.string({ unit: fc.constantFrom(...alphabet.slice(0, 64)), minLength: 43, maxLength: 43 });
    const mutation = fc.oneof(
      // One character changed, anywhere.
      fc
        .tuple(fc.nat(valid.length - 1), fc.constantFrom(...alphabet))
        .map(([at, c]) => valid.slice(0, at) + c + valid.slice(at + 1)),
      fc.nat(valid.length - 1).map((at) => valid.slice(0, at)),
      fc.string({ maxLength: 20 }).map((tail) => valid + tail),
      fc.constantFrom(
        confirmToken,
        foreignKey,
        // Another key's sealed payload under this key's id, and the parts shuffled.
        `${version}.${kid}.${foreignSealed}`,
        `${version}.${sealed}.${kid}`,
        `v1.${kid}.${sealed}`,
        valid.toUpperCase(),
        `${valid}=`,
        `${version}..${sealed}`,
      ),
      fc.string({ unit: fc.constantFrom(...alphabet), minLength: 40, maxLength: 400 }),
      fc
        .tuple(fc.constantFrom(victim, bystander, victim.toUpperCase()), macLike)
        .map(([email, mac]) => legacyForgery(email, mac)),
      fc.tuple(fc.emailAddress(), macLike).map(([email, mac]) => legacyForgery(email, mac)),
    );
    let tried = 0;
    let changed = 0;
    await fc.assert(
      fc.asyncProperty(mutation, async (token) => {
        fc.pre(token !== valid && token !== "");
        tried += 1;
        const response = await unsubscribe(token);
        if (response.status !== 400) changed += 1;
        expect(response.status).toBe(400);
        expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      }),
      { numRuns: 10_000 },
    );
    const after = await counts();
    expect(after).toEqual(before);
    const page = async (email: string) =>
      (
        await app.request(
          `/api/registration/unsubscribe/${await signToken(tokenKey, { purpose: "unsubscribe", email })}`,
        )
      ).text();
    expect(await page(victim)).toContain("Stop sending");

    // The victim's own token unsubscribes the victim, and only the victim.
    expect((await unsubscribe(valid)).status).toBe(200);
    expect(await page(victim)).toContain("gets no OpenEMR announcements");
    expect(await page(bystander)).toContain("Stop sending");
    expect((await counts()).active).toBe(before.active - 1);
    recordFigure({
      check: "forged unsubscribe tokens",
      tried: `${tried} mutated, truncated, re-keyed, cross-purpose, old-format forged and random tokens`,
      count: tried,
      lost: changed,
      notes: "0 accepted; the victim's own token unsubscribed only the victim",
    });
  }, 300_000);
});

describe("PIN guessing", () => {
  const event = (sourceIp: string, pin: string) =>
    httpApiEvent({
      method: "GET",
      path: `/api/registration/broadcast/${crypto.randomUUID()}`,
      sourceIp,
      headers: { "x-secret-pin": pin },
    });

  it("locks an IP out after 5 wrong PINs, even from the right PIN, and leaves other IPs alone", async () => {
    const attacker = `198.51.100.${Math.floor(Math.random() * 200) + 1}`; // .240 and above: the tests below
    const guesses = fc.sample(
      fc.string({ minLength: 1, maxLength: 12 }).filter((pin) => pin !== PIN),
      20,
    );
    const statuses: number[] = [];
    for (const guess of guesses) statuses.push((await handler(event(attacker, guess), lambdaContext)).statusCode!);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(new Set(statuses.slice(5))).toEqual(new Set([429]));
    const locked = await handler(event(attacker, PIN), lambdaContext);
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers?.["retry-after"])).toBeGreaterThan(14 * 60);
    expect((await handler(event("192.0.2.77", PIN), lambdaContext)).statusCode).toBe(404);
    recordFigure({
      check: "PIN guessing",
      tried: `${guesses.length + 1} guesses from one IP, then the right PIN`,
      count: guesses.length + 1,
      lost: 0,
      notes: "401 ×5, then 429 (15 min), the right PIN included",
    });
  });

  it("gives 40 concurrent wrong guesses from one IP at most 5 comparisons", async () => {
    const attacker = "198.51.100.240";
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => handler(event(attacker, `concurrent-guess-${i}`), lambdaContext)),
    );
    const compared = answers.filter((answer) => answer.statusCode === 401).length;
    expect(compared).toBe(5);
    expect(answers.filter((answer) => answer.statusCode === 429)).toHaveLength(35);
    recordFigure({
      check: "concurrent PIN guesses",
      tried: "40 at once from one IP",
      count: 40,
      lost: compared - 5,
      notes: `${compared} compared, ${40 - compared} refused 429 before comparing`,
    });
  });

  it("refuses every PIN route a form or fetch from another site, with the right PIN, before comparing", async () => {
    const crossSite: Record<string, string>[] = [
      { origin: "https://attacker.example" },
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" },
    ];
    let refused = 0;
    for (const headers of crossSite) {
      const form = await handler(
        httpApiEvent({
          method: "POST",
          path: "/api/registration/broadcast",
          sourceIp: "198.51.100.241",
          headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
          body: new URLSearchParams({ secretPin: PIN, title: "Forged", contents: "From another site" }).toString(),
        }),
        lambdaContext,
      );
      const progress = await handler(
        httpApiEvent({
          method: "GET",
          path: `/api/registration/broadcast/${crypto.randomUUID()}`,
          sourceIp: "198.51.100.241",
          headers: { "x-secret-pin": PIN, ...headers },
        }),
        lambdaContext,
      );
      for (const answer of [form, progress]) {
        expect(answer.statusCode).toBe(403);
        expect(JSON.parse(answer.body!)).toMatchObject({ error: "CrossSiteRequestException" });
        refused += 1;
      }
    }
    recordFigure({
      check: "cross-site PIN requests",
      tried: `${refused} forms and fetches from another site, with the right PIN`,
      count: refused,
      lost: refused - crossSite.length * 2,
      notes: "403 each; nothing compared, nothing sent",
    });
  });
});

describe("broadcast retries", () => {
  // Each retry from its own address (one gets at most 5 PIN comparisons in flight at once), in a
  // range no other test here guesses from: an address locked out by a guess would answer 429.
  const start = async (key: string, contents: string, sourceIp = "198.18.0.100") => {
    const answer = await handler(
      httpApiEvent({
        method: "POST",
        path: "/api/registration/broadcast",
        sourceIp,
        headers: { "content-type": "application/json", "idempotency-key": key },
        body: JSON.stringify({ secretPin: PIN, title: "Once", contents }),
      }),
      lambdaContext,
    );
    return { status: answer.statusCode, json: () => JSON.parse(answer.body!) as { broadcastId: string } };
  };

  it("20 concurrent retries under one Idempotency-Key start one broadcast; other content under it is 422", async () => {
    const key = crypto.randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => start(key, "Said once.", `198.18.0.${i + 1}`)),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    const ids = new Set(answers.map((answer) => answer.json().broadcastId));
    expect(ids.size).toBe(1);
    const other = await start(key, "Something else.");
    expect(other.status).toBe(422);
    recordFigure({
      check: "repeated broadcast requests",
      tried: "20 concurrent under one Idempotency-Key, then other content under it",
      count: 21,
      lost: ids.size - 1,
      notes: "1 broadcast started; 422 for the other content",
    });
  });
});

describe("response headers", () => {
  it("pages carry a strict CSP, nosniff and frame-ancestors 'none'; JSON is application/json, no CORS", async () => {
    const email = uniqueEmail("headers");
    await register(email);
    const token = await signToken(tokenKey, { purpose: "unsubscribe", email });
    recordSecrets(email, token);
    const pages = [
      await app.request(`/api/registration/unsubscribe/${token}`),
      await app.request("/api/registration/unsubscribe/not-a-token"),
      await app.request("/api/registration/confirm/not-a-token", { method: "POST" }),
    ];
    for (const response of pages) {
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      const csp = response.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    }
    const origin = { origin: "https://evil.example" };
    const json = [
      await app.request("/api/registration/unique", { headers: origin }),
      await app.request("/api/registration", {
        method: "POST",
        headers: { ...origin, "content-type": "application/json" },
        body: "{",
      }),
      await app.request("/api/registration", {
        method: "OPTIONS",
        headers: { ...origin, "access-control-request-method": "POST" },
      }),
      await app.request("/nowhere", { headers: origin }),
    ];
    for (const response of json) {
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
      expect(response.headers.get("access-control-allow-credentials")).toBeNull();
    }
    recordFigure({
      check: "security headers",
      tried: `${pages.length} pages and ${json.length} JSON answers, from a foreign origin`,
      count: pages.length + json.length,
      lost: 0,
    });
  });
});

// Last in the file: it locks every PIN route of this file's stack for an hour.
describe("PIN guessing from many addresses", () => {
  it("locks every PIN route for an hour once 50 wrong PINs arrive from all addresses together", async () => {
    const guesses = Array.from({ length: 80 }, (_, i) =>
      handler(
        httpApiEvent({
          method: "GET",
          path: "/api/registration/versions",
          sourceIp: `203.0.113.${i % 20}`,
          headers: { "x-secret-pin": `guess-${i}` },
        }),
        lambdaContext,
      ),
    );
    const answers = await Promise.all(guesses);
    const compared = answers.filter((answer) => answer.statusCode === 401).length;
    const board = await handler(
      httpApiEvent({
        method: "GET",
        path: "/api/registration/versions",
        sourceIp: "192.0.2.200",
        headers: { "x-secret-pin": PIN },
      }),
      lambdaContext,
    );
    expect(board.statusCode).toBe(429);
    expect(Number(board.headers?.["retry-after"])).toBeGreaterThan(59 * 60);
    // Earlier tests in this file spent some of the hour's 50 already.
    expect(compared).toBeLessThanOrEqual(50);
    recordFigure({
      check: "PIN guessing from 20 IPs",
      tried: "80 wrong PINs at once from 20 addresses, then the right PIN from a new one",
      count: 81,
      lost: 0,
      notes: `${compared} compared; then every PIN route 429 for an hour, the right PIN included (alarm: PinLockout)`,
    });
  });
});
