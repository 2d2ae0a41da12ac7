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

// What checkedForFile's apps and checkedHandlerForFile's handlers answered against the document.
// Registered as this module loads, with the test file that imports it: a hook made in a test or a
// beforeAll would be lost.
const broken: string[] = [];
afterAll(() => {
  expect(broken, "answers of app.request or the Lambda handler that break the OpenAPI document").toEqual([]);
});

type Requesting = { request(input: string | Request | URL, init?: RequestInit): Response | Promise<Response> };

/**
 * The same check for a test that asks the app itself (`app.request`), with no server: from here
 * on, every answer `app.request` gives is checked against the OpenAPI document, and the file fails
 * if one breaks it. Returns the app, whose `request` is replaced.
 */
export function checkedForFile<A extends Requesting>(app: A): A {
  const request = app.request;
  (app as Requesting).request = async (input, init) => {
    const response = await request(input, init);
    const method = input instanceof Request ? input.method : (init?.method ?? "GET");
    const { pathname } = new URL(input instanceof Request ? input.url : String(input), "http://localhost");
    broken.push(...(await contractViolations(method.toUpperCase(), pathname, response.clone())));
    return response;
  };
  return app;
}

type LambdaAnswer = {
  statusCode: number;
  headers?: Record<string, string | number | boolean>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
};
type HttpApiEventLike = { rawPath: string; requestContext: { http: { method: string } } };

/**
 * The same check for a test that invokes the API's Lambda handler with API Gateway's (v2) events:
 * every answer it gives from here on is checked against the OpenAPI document, as a Response would
 * be, and the file fails if one breaks it.
 */
export function checkedHandlerForFile<E, C, R>(handler: (event: E, context: C) => Promise<R>) {
  return async (event: E, context: C): Promise<R> => {
    const result = await handler(event, context);
    const { rawPath, requestContext } = event as HttpApiEventLike;
    const answer = (typeof result === "string" ? { statusCode: 200, body: result } : result) as LambdaAnswer;
    const headers = new Headers(Object.entries(answer.headers ?? {}).map(([name, value]) => [name, String(value)]));
    for (const cookie of answer.cookies ?? []) headers.append("set-cookie", cookie);
    const empty = [204, 304].includes(answer.statusCode) || !answer.body;
    const body = empty ? null : answer.isBase64Encoded ? Buffer.from(answer.body!, "base64") : answer.body!;
    const response = new Response(body, { status: answer.statusCode, headers });
    broken.push(...(await contractViolations(requestContext.http.method, rawPath, response)));
    return result;
  };
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
