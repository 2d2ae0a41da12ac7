import { createApp } from "@oemr-reg/core/http";
import { handler } from "@oemr-reg/functions/api";
import { httpApiEvent, lambdaContext } from "@oemr-reg/local/lambda-events";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { checkedForFile, checkedHandlerForFile } from "./support/serve.ts";

const apiHandler = checkedHandlerForFile(handler);

const PIN = Resource.SecretPin.value;

type Call = { sourceIp: string; pin?: unknown; headers?: Record<string, string>; path?: string };

/** A broadcast request as API Gateway hands it over, with an empty title so a right PIN gets 400 and sends nothing. */
async function broadcast({ sourceIp, pin, headers = {} }: Call) {
  const response = await apiHandler(
    httpApiEvent({
      method: "POST",
      path: "/api/registration/broadcast",
      sourceIp,
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams({
        ...(typeof pin === "string" ? { secretPin: pin } : {}),
        title: "",
        contents: "Hi",
      }).toString(),
    }),
    lambdaContext,
  );
  return {
    status: response.statusCode,
    body: JSON.parse(response.body ?? "{}") as { error?: string; message?: string },
    headers: response.headers ?? {},
  };
}

async function pinGet({ sourceIp, pin, headers = {}, path = "/api/registration/versions" }: Call) {
  const response = await apiHandler(
    httpApiEvent({
      method: "GET",
      path,
      sourceIp,
      headers: { ...(typeof pin === "string" ? { "x-secret-pin": pin } : {}), ...headers },
    }),
    lambdaContext,
  );
  return { status: response.statusCode, body: JSON.parse(response.body ?? "{}") as { error?: string } };
}

function statuses(answers: { status: number | undefined }[]): Record<number, number> {
  const count: Record<number, number> = {};
  for (const { status = 0 } of answers) count[status] = (count[status] ?? 0) + 1;
  return count;
}

describe("the PIN guard reserves each comparison before it is made", () => {
  it("gives 40 concurrent wrong guesses from one IP 5 comparisons, and 429 for the other 35", async () => {
    const sourceIp = "198.51.100.40";
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => broadcast({ sourceIp, pin: `wrong-guess-number-${i}` })),
    );
    expect(statuses(answers)).toEqual({ 401: 5, 429: 35 });
    // Locked out, even with the right PIN.
    expect((await broadcast({ sourceIp, pin: PIN })).status).toBe(429);
  });

  it("gives a right PIN's reservation back, so the board's own use never locks it out", async () => {
    const sourceIp = "198.51.100.41";
    for (let i = 0; i < 4; i++) expect((await broadcast({ sourceIp, pin: `wrong-guess-${i}` })).status).toBe(401);
    // One at a time, as the board works: a comparison in flight holds its reservation until answered.
    for (let i = 0; i < 10; i++) expect((await pinGet({ sourceIp, pin: PIN })).status).toBe(200);
    expect((await broadcast({ sourceIp, pin: "wrong-guess-5" })).status).toBe(401);
    expect((await broadcast({ sourceIp, pin: PIN })).status).toBe(429);
  });
});

describe("PIN routes refuse what another site's page makes a browser send", () => {
  const sourceIp = "198.51.100.50";

  it.each([
    ["a form posted from another site", { origin: "https://attacker.example" }],
    ["Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site" }],
    ["Sec-Fetch-Site: same-site (a sibling subdomain)", { "sec-fetch-site": "same-site" }],
    ["an Origin of another scheme", { origin: "http://reg.example.org" }],
  ])("%s: 403, and no comparison is spent", async (_, headers) => {
    for (let i = 0; i < 8; i++) {
      const answer = await broadcast({ sourceIp, pin: PIN, headers });
      expect(answer.status).toBe(403);
      expect(answer.body.error).toBe("CrossSiteRequestException");
    }
    for (const path of ["/api/registration/broadcast/some-id", "/api/registration/versions", "/api/usage/summary"]) {
      expect((await pinGet({ sourceIp, pin: PIN, headers, path })).status, path).toBe(403);
    }
  });

  it("lets the seed's clients in (neither header), and a same-origin page", async () => {
    expect((await broadcast({ sourceIp, pin: PIN })).status).toBe(400);
    expect(
      (
        await broadcast({
          sourceIp,
          pin: PIN,
          headers: { origin: "https://reg.example.org", "sec-fetch-site": "same-origin" },
        })
      ).status,
    ).toBe(400);
    expect((await broadcast({ sourceIp, pin: PIN, headers: { "sec-fetch-site": "none" } })).status).toBe(400);
  });
});

describe("a PIN shorter than 16 characters", () => {
  it("is refused by every PIN route with 503, right or wrong", async () => {
    const app = checkedForFile(createApp({ secretPin: "24681357" } as Parameters<typeof createApp>[0]));
    for (const pin of ["24681357", "wrong"]) {
      const response = await app.request("/api/registration/versions", { headers: { "X-Secret-Pin": pin } });
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ error: "PinNotConfiguredException" });
    }
  });
});
