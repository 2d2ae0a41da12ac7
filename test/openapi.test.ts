import { createApp } from "@oemr-reg/core/http";
import { servedRoutes } from "@oemr-reg/core/http/app";
import { validate } from "@readme/openapi-parser";
import { describe, expect, it } from "vitest";
import { contractViolations } from "./support/contract.ts";
import { checkedForFile } from "./support/serve.ts";

// The document describes routes, not data: the app needs no live dependency to serve it.
const publicUrl = "https://reg.test.example.org";
const app = checkedForFile(
  createApp({ secretPin: "", publicUrl, deadlineMs: 10_000 } as Parameters<typeof createApp>[0]),
);

type Operation = {
  operationId?: string;
  summary?: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; schema: Record<string, unknown> }[];
  responses: Record<string, { headers?: Record<string, unknown> }>;
};
type Document = {
  openapi: string;
  servers: { url: string }[];
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
};

async function document(): Promise<Document> {
  const response = await app.request("/api/openapi.json");
  expect(response.status).toBe(200);
  return (await response.json()) as Document;
}

describe("GET /api/openapi.json", () => {
  it("serves a document that an OpenAPI 3 validator accepts", async () => {
    const served = await document();
    expect(served.openapi).toMatch(/^3\./);
    const result = await validate(structuredClone(served) as never);
    expect(result.valid, JSON.stringify(result)).toBe(true);
  });

  it("describes every route the app serves, with the same method and path", async () => {
    const { paths } = await document();
    // `app.routes` lists middleware and lazy areas as ALL handlers: `servedRoutes` lists what they serve.
    const served = new Set(await servedRoutes(app));
    const documented = new Set(
      Object.entries(paths).flatMap(([path, item]) =>
        Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    expect(served.size).toBeGreaterThanOrEqual(11);
    expect([...served].filter((route) => !documented.has(route))).toEqual([]);
    expect([...documented].filter((route) => !served.has(route))).toEqual([]);
  });

  it("documents request bodies with the schemas the handlers parse with", async () => {
    const { components, paths } = await document();
    expect(Object.keys(components.schemas)).toEqual(
      expect.arrayContaining(["RegistrationRequest", "BroadcastRequest", "ErrorBody", "BroadcastProgress"]),
    );
    expect(components.schemas.BroadcastRequest).toMatchObject({
      properties: { title: { maxLength: 200 } },
      required: expect.arrayContaining(["title", "contents"]),
    });
    const register = paths["/api/registration"]!.post as { requestBody: { content: Record<string, unknown> } };
    expect(Object.keys(register.requestBody.content).sort()).toEqual([
      "application/json",
      "application/x-www-form-urlencoded",
    ]);
  });
});

describe("the rules the server applies, as the document states them", () => {
  // biome-ignore lint/suspicious/noExplicitAny: JSON Schema, read where the test knows its shape
  const schemas = async () => (await document()).components.schemas as Record<string, Record<string, any>>;
  const operation = async (path: string, method: string) => (await document()).paths[path]![method] as Operation;

  it("names the stage's URL as its server", async () => {
    expect((await document()).servers).toEqual([{ url: publicUrl, description: "This stage" }]);
  });

  it("gives every operation an operationId of its own, a summary and who may call it", async () => {
    const operations = Object.values((await document()).paths).flatMap((item) => Object.values(item) as Operation[]);
    const ids = operations.map((op) => op.operationId);
    expect(ids.every(Boolean)).toBe(true);
    expect(new Set(ids).size).toBe(operations.length);
    for (const op of operations) {
      expect(op.summary, op.operationId).toBeTruthy();
      expect(op.security, op.operationId).toBeDefined();
    }
    expect((await operation("/api/registration/broadcast", "post")).security).toEqual([
      { SecretPin: [] },
      { PersonalToken: [] },
    ]);
    expect((await operation("/console", "get")).security).toEqual([{ ConsoleSession: [] }]);
    expect(Object.keys((await document()).components.securitySchemes).sort()).toEqual([
      "ConsoleSession",
      "PersonalToken",
      "SecretPin",
    ]);
  });

  it("states the email's format, the contents' minimum length and belowVersion's pattern", async () => {
    const { RegistrationRequest, BroadcastRequest, BroadcastForm } = await schemas();
    expect(RegistrationRequest!.properties.email).toMatchObject({ type: "string", format: "email", maxLength: 254 });
    expect(BroadcastRequest!.properties.contents).toMatchObject({ type: "string", minLength: 1 });
    const belowVersion = BroadcastRequest!.properties.audience.properties.belowVersion;
    expect(new RegExp(belowVersion.pattern).test("7.0.3.4")).toBe(true);
    expect(new RegExp(belowVersion.pattern).test("seven")).toBe(false);
    // A form's field may also be empty: no criterion.
    expect(BroadcastForm!.properties.belowVersion.anyOf).toEqual(
      expect.arrayContaining([expect.objectContaining({ pattern: belowVersion.pattern })]),
    );
  });

  it("does not require secretPin in a broadcast's body: X-Secret-Pin alone is accepted", async () => {
    const { BroadcastRequest, BroadcastForm } = await schemas();
    expect(BroadcastRequest!.required).not.toContain("secretPin");
    expect(BroadcastForm!.required).not.toContain("secretPin");
  });

  it("requires SiteID on a usage report, with its pattern", async () => {
    const siteId = (await operation("/api/usage", "post")).parameters!.find((p) => p.name === "SiteID")!;
    expect(siteId).toMatchObject({ in: "query", required: true, schema: { type: "string", maxLength: 64 } });
    expect(new RegExp(siteId.schema.pattern as string).test("a/b")).toBe(false);
  });

  it("states the headers a client reads: Retry-After, Location, Idempotent-Replayed", async () => {
    expect((await operation("/api/registration", "post")).responses["429"]!.headers).toHaveProperty("Retry-After");
    expect((await operation("/console/login", "post")).responses["303"]!.headers).toHaveProperty("Location");
    const broadcast = await operation("/api/registration/broadcast", "post");
    expect(broadcast.responses["200"]!.headers).toHaveProperty("Idempotent-Replayed");
  });
});

describe("API Gateway's own 429, which every route can meet (issue #27)", () => {
  // What an HTTP API's throttle answers, before the app sees the request (docs/aws-rules.md).
  const gateway = () =>
    new Response(JSON.stringify({ message: "Too Many Requests" }), {
      status: 429,
      headers: { "content-type": "application/json" },
    });
  const operations = async () =>
    Object.entries((await document()).paths).flatMap(([template, item]) =>
      Object.keys(item).map((method) => ({ method: method.toUpperCase(), path: template.replace(/\{[^}]+\}/g, "x") })),
    );

  it("is documented as exactly that body for every operation, beside the operation's own 429", async () => {
    const all = await operations();
    expect(all.length).toBeGreaterThan(40);
    for (const { method, path } of all) expect(await contractViolations(method, path, gateway())).toEqual([]);
    // The app's own 429 still holds on the routes that have one, and its Retry-After is optional now.
    const own = ((await document()).paths["/api/registration"]!.post as Operation).responses["429"]!;
    expect(own.headers?.["Retry-After"]).toMatchObject({ required: false });
    const appAnswer = new Response(JSON.stringify({ error: "TooManyRequestsException", message: "Too many" }), {
      status: 429,
      headers: { "content-type": "application/json", "retry-after": "60" },
    });
    expect(await contractViolations("POST", "/api/registration", appAnswer)).toEqual([]);
  });

  it("is told apart from any other body: the check fails on a 429 neither the gateway nor the app sends", async () => {
    for (const body of [{ message: "Slow down" }, { message: "Too Many Requests", retry: 1 }]) {
      const other = new Response(JSON.stringify(body), {
        status: 429,
        headers: { "content-type": "application/json" },
      });
      expect(await contractViolations("GET", "/api/registration/unique", other)).not.toEqual([]);
    }
  });
});

describe("GET /api/docs", () => {
  it("serves a self-contained page listing every path, under a CSP that loads nothing else", async () => {
    const response = await app.request("/api/docs");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    const page = await response.text();
    expect(page).not.toMatch(/<script|<link|https?:\/\/(?!localhost)/i);
    for (const path of Object.keys((await document()).paths)) expect(page).toContain(`<code>${path}</code>`);
  });
});

describe("behaviour the generated validators must not change", () => {
  it("still answers 415 in the API's own shape for a body that is neither a form nor JSON", async () => {
    const response = await app.request("/api/registration/broadcast", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "x",
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ error: "UnsupportedMediaTypeException" });
  });
});
