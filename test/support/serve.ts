import { type AddressInfo, createServer } from "node:net";
import { type Http2Bindings, type HttpBindings, serve } from "@hono/node-server";
import { closeWhenUnread } from "@oemr-reg/local/serve-api";
import type { Hono } from "hono";
import { afterAll, expect } from "vitest";
import { contractViolations } from "./contract.ts";

/** A loopback port free now: for an app that must know its port before it is served (passkeys' origin). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Serves an app over real HTTP on a free loopback port (or `port`) for the rest of the test file.
 * Every answer is checked against the OpenAPI document (`contract.ts`); the file fails if one breaks it.
 */
export async function serveForFile(app: Hono, port = 0): Promise<string> {
  const violations: string[] = [];
  const fetch = async (request: Request, env: HttpBindings | Http2Bindings) => {
    const response = await app.fetch(request, env);
    violations.push(...(await contractViolations(request.method, new URL(request.url).pathname, response.clone())));
    return response;
  };
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: closeWhenUnread(fetch), port, hostname: "127.0.0.1" }, () => resolve(started));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(violations, "answers that break the OpenAPI document").toEqual([]);
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
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
