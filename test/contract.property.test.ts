import { app } from "@oemr-reg/functions/api";
import fc from "fast-check";
import type { Hono } from "hono";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { acceptedBy, brokenObjectOf, type Schema } from "./support/arbitraries.ts";
import { contractViolations, openApiDocument } from "./support/contract.ts";
import { serveForFile } from "./support/serve.ts";

// Fixed, so that CI runs the same requests every time; a failure prints the counterexample.
const SEED = 27;
const RUNS = 8;
const PIN = Resource.SecretPin.value;
const base = await serveForFile(app as unknown as Hono);

type Parameter = { name: string; in: string; required?: boolean; schema: Schema };
type Operation = {
  operationId: string;
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
};
type Sent = { path: string; init: RequestInit };

const login = await fetch(`${base}/console/login`, {
  method: "POST",
  redirect: "manual",
  headers: { "content-type": "application/x-www-form-urlencoded", origin: base },
  body: new URLSearchParams({ secretPin: PIN }),
});
const cookie = login.headers
  .getSetCookie()
  .map((line) => line.split(";")[0])
  .join("; ");
const overview = await (await fetch(`${base}/console`, { headers: { cookie } })).text();
const csrf = /name="csrf" value="([^"]+)"/.exec(overview)?.[1] ?? "";

const operations = Object.entries(openApiDocument.paths).flatMap(([path, item]) =>
  Object.entries(item as Record<string, Operation>).map(([method, operation]) => ({ path, method, operation })),
);

/** The parts of a request every variant shares: its path, query and credentials. */
function requestOf(
  template: string,
  method: string,
  operation: Operation,
  { omitQuery, overlong }: { omitQuery?: string; overlong?: string } = {},
) {
  const parameters = operation.parameters ?? [];
  const pathValues = parameters
    .filter((parameter) => parameter.in === "path")
    .map((parameter) => {
      const { maxLength = 0, minLength = 0 } = parameter.schema;
      const value =
        parameter.name === overlong
          ? fc.string({ minLength: maxLength + 1, maxLength: maxLength + 50, unit: "grapheme-ascii" })
          : acceptedBy(openApiDocument, { ...parameter.schema, minLength: Math.max(1, minLength) });
      return value.map((text) => [parameter.name, String(text)] as const);
    });
  const queryValues = parameters
    .filter((parameter) => parameter.in === "query" && parameter.name !== omitQuery)
    .map((parameter) => {
      const value = acceptedBy(openApiDocument, parameter.schema).map((v) => [parameter.name, v] as const);
      return parameter.required ? value : fc.option(value, { nil: undefined });
    });
  return fc.tuple(fc.tuple(...pathValues), fc.tuple(...queryValues)).map(([pathParts, queryParts]) => {
    let path = template;
    for (const [name, value] of pathParts) path = path.replace(`{${name}}`, encodeURIComponent(value));
    const query = new URLSearchParams();
    for (const part of queryParts) if (part) for (const value of [part[1]].flat()) query.append(part[0], String(value));
    const headers: Record<string, string> = { origin: base };
    if (operation.security?.some((scheme) => "SecretPin" in scheme)) headers["x-secret-pin"] = PIN;
    if (operation.security?.some((scheme) => "ConsoleSession" in scheme)) headers.cookie = cookie;
    return { path: query.size ? `${path}?${query}` : path, method: method.toUpperCase(), headers };
  });
}

/** A body as its media type carries it; the console's forms carry the session's CSRF token when valid. */
function encode(type: string, body: Record<string, unknown>): string | URLSearchParams {
  if (type === "application/json") return JSON.stringify(body);
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(body)) for (const one of [value].flat()) form.append(name, String(one));
  return form;
}

function bodies(operation: Operation, valid: boolean) {
  const content = Object.entries(operation.requestBody?.content ?? {});
  if (content.length === 0) return valid ? fc.constant(undefined) : undefined;
  const variants = content.flatMap(([type, { schema }]) => {
    const typed = type === "application/json";
    const values = valid ? acceptedBy(openApiDocument, schema) : brokenObjectOf(openApiDocument, schema, { typed });
    if (!values) return [];
    return [
      (values as fc.Arbitrary<Record<string, unknown>>).map((value) => {
        const body = valid && "csrf" in value ? { ...value, csrf } : value;
        return { type, body: encode(type, body) };
      }),
    ];
  });
  if (!valid) variants.push(fc.string({ maxLength: 40 }).map((text) => ({ type: "text/plain", body: text })));
  return variants.length ? fc.oneof(...variants) : undefined;
}

async function send({ path, init }: Sent) {
  const response = await fetch(`${base}${path}`, { redirect: "manual", ...init });
  const method = init.method ?? "GET";
  return { response, violations: await contractViolations(method, new URL(path, base).pathname, response) };
}

const requests = (
  request: fc.Arbitrary<{ path: string; method: string; headers: Record<string, string> }>,
  body: fc.Arbitrary<{ type: string; body: string | URLSearchParams } | undefined>,
) =>
  fc.tuple(request, body).map(([{ path, method, headers }, sent]) => ({
    path,
    init: { method, headers: sent ? { ...headers, "content-type": sent.type } : headers, body: sent?.body },
  }));

describe.each(operations)("$method $path", ({ path, method, operation }) => {
  it("answers generated valid requests as the document says, never with a 5xx", async () => {
    const valid = requests(requestOf(path, method, operation), bodies(operation, true)!);
    await fc.assert(
      fc.asyncProperty(valid, async (sent) => {
        const { response, violations } = await send(sent);
        expect(violations).toEqual([]);
        expect(response.status).toBeLessThan(500);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  const requiredQuery = operation.parameters?.find((parameter) => parameter.in === "query" && parameter.required);
  const boundedPath = operation.parameters?.find((parameter) => parameter.in === "path" && parameter.schema.maxLength);
  const broken = bodies(operation, false);
  const invalid = [
    ...(broken ? [requests(requestOf(path, method, operation), broken)] : []),
    ...(requiredQuery
      ? [requests(requestOf(path, method, operation, { omitQuery: requiredQuery.name }), bodies(operation, true)!)]
      : []),
    ...(boundedPath
      ? [requests(requestOf(path, method, operation, { overlong: boundedPath.name }), bodies(operation, true)!)]
      : []),
  ];
  // An operation with no parameter, body or bound to break has no invalid request.
  it.skipIf(invalid.length === 0)("refuses generated invalid requests with a documented 4xx", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(...invalid), async (sent) => {
        const { response, violations } = await send(sent);
        expect(violations).toEqual([]);
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
