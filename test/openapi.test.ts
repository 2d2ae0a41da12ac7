import { createApp } from "@oemr-reg/core/http";
import { validate } from "@readme/openapi-parser";
import { describe, expect, it } from "vitest";

// The document describes routes, not data: the app needs no live dependency to serve it.
const app = createApp({ secretPin: "" } as Parameters<typeof createApp>[0]);

type Document = {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown> };
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
    const served = await document();
    // `app.routes` also lists middleware, registered for ALL methods; those serve nothing alone.
    const servedRoutes = new Set(
      app.routes
        .filter((route) => route.method !== "ALL")
        .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, "{$1}")}`),
    );
    const documented = new Set(
      Object.entries(served.paths).flatMap(([path, item]) =>
        Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    expect(servedRoutes.size).toBeGreaterThanOrEqual(11);
    expect([...servedRoutes].filter((route) => !documented.has(route))).toEqual([]);
    expect([...documented].filter((route) => !servedRoutes.has(route))).toEqual([]);
  });

  it("documents request bodies with the schemas the handlers parse with", async () => {
    const { components, paths } = await document();
    expect(Object.keys(components.schemas)).toEqual(
      expect.arrayContaining(["RegistrationRequest", "BroadcastRequest", "ErrorBody", "BroadcastProgress"]),
    );
    expect(components.schemas.BroadcastRequest).toMatchObject({
      properties: { title: { maxLength: 200 } },
      required: expect.arrayContaining(["title", "contents", "secretPin"]),
    });
    const register = paths["/api/registration"]!.post as { requestBody: { content: Record<string, unknown> } };
    expect(Object.keys(register.requestBody.content).sort()).toEqual([
      "application/json",
      "application/x-www-form-urlencoded",
    ]);
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
