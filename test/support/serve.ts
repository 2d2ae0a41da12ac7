import type { AddressInfo } from "node:net";
import { type Http2Bindings, type HttpBindings, serve } from "@hono/node-server";
import { closeWhenUnread } from "@oemr-reg/local/serve-api";
import type { Hono } from "hono";
import { afterAll, expect, onTestFinished } from "vitest";
import { contractViolations } from "./contract.ts";

/**
 * Serves an app over real HTTP on a free loopback port for the rest of the test file. Every answer
 * is checked against the OpenAPI document (`contract.ts`); the file fails if one breaks it.
 */
export async function serveForFile(app: Hono): Promise<string> {
  const violations: string[] = [];
  const fetch = async (request: Request, env: HttpBindings | Http2Bindings) => {
    const response = await app.fetch(request, env);
    violations.push(...(await contractViolations(request.method, new URL(request.url).pathname, response.clone())));
    return response;
  };
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: closeWhenUnread(fetch), port: 0, hostname: "127.0.0.1" }, () => resolve(started));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(violations, "answers that break the OpenAPI document").toEqual([]);
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

type Requesting = { request(input: string | Request | URL, init?: RequestInit): Response | Promise<Response> };

/**
 * The same check for a test that asks the app itself (`app.request`), with no server: from here
 * on, every answer `app.request` gives is checked against the OpenAPI document, and the test that
 * made the app (or the file, if made outside a test) fails if one breaks it. Returns the app,
 * whose `request` is replaced.
 */
export function checkedForFile<A extends Requesting>(app: A): A {
  const violations: string[] = [];
  const request = app.request;
  (app as Requesting).request = async (input, init) => {
    const response = await request(input, init);
    const method = input instanceof Request ? input.method : (init?.method ?? "GET");
    const { pathname } = new URL(input instanceof Request ? input.url : String(input), "http://localhost");
    violations.push(...(await contractViolations(method.toUpperCase(), pathname, response.clone())));
    return response;
  };
  const check = () => expect(violations, "answers of app.request that break the OpenAPI document").toEqual([]);
  // Made inside a test, the app lives for that test; else for the file.
  if (expect.getState().currentTestName === undefined) afterAll(check);
  else onTestFinished(check);
  return app;
}

export function postForm(url: string, fields: Record<string, string>): Promise<Response> {
  return fetch(url, { method: "POST", body: new URLSearchParams(fields) });
}

export function postJson(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

export function uniqueEmail(label = "admin"): string {
  return `${label}+${crypto.randomUUID().slice(0, 12)}@clinic.example.org`;
}
