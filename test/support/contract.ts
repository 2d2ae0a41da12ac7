import { createApp } from "@oemr-reg/core/http";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";

/**
 * The OpenAPI document as a contract for responses: each answer the app gives is checked against
 * the operation it answers (its status, content type, body schema and headers) with Ajv, so that a
 * route that drifts from its document fails the test that met it.
 * @module
 */

type Header = { required?: boolean; schema: object };
type Response = { headers?: Record<string, Header>; content?: Record<string, { schema: object }> };
type Operation = { operationId: string; responses: Record<string, Response> };
export type Document = { paths: Record<string, Record<string, Operation>>; components: object };

// The document depends on the routes alone: an app with no live dependency serves the same one.
const documentApp = createApp({ secretPin: "", deadlineMs: 10_000, publicUrl: "http://127.0.0.1" } as Parameters<
  typeof createApp
>[0]);
// `fetch`, not `request`: `checkedForFile` replaces an app's `request` with one that reads this module.
const served = (await (await documentApp.fetch(new Request("http://localhost/api/openapi.json"))).json()) as Document;
export const openApiDocument: Document = served;

/** The operations this test file's requests got a checked answer from. */
export const coveredOperations = new Set<string>();

// OpenAPI 3.0's schema dialect: `example` is a note, `nullable` Ajv knows, `password` is any string.
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addFormat("password", true);
ajv.addSchema({ ...served, $id: "openapi" });
const pointer = (...parts: string[]) => parts.map((part) => part.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");
/** The schema at `path` in the document, compiled once (Ajv keeps it). */
const validatorAt = (path: string): ValidateFunction => ajv.getSchema(`openapi#/${path}`)!;

const templates = Object.keys(served.paths).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`),
}));

/** The documented operation a request is for (`HEAD` is its `GET`), or why none is. */
export function operationOf(method: string, pathname: string): { template: string; operation?: Operation } | undefined {
  const matches = templates.filter(({ pattern }) => pattern.test(pathname));
  const verb = method === "HEAD" ? "get" : method.toLowerCase();
  // A literal path (`/console/broadcasts/new`) wins over a template that also matches it.
  const exact = matches.find(({ template }) => template === pathname);
  const found = [exact, ...matches].find((match) => match && served.paths[match.template]![verb]);
  if (found) return { template: found.template, operation: served.paths[found.template]![verb] };
  return matches[0] && { template: matches[0].template };
}

/**
 * What is wrong with `response` as the answer to `method pathname`, or nothing. A path of no
 * operation must answer 404, a known path asked with another method 405 with `Allow`.
 */
export async function contractViolations(method: string, pathname: string, response: globalThis.Response) {
  const found = operationOf(method, pathname);
  const what = `${method} ${pathname} → ${response.status}`;
  if (!found) return response.status === 404 ? [] : [`${what}: no such path, so 404`];
  if (!found.operation) {
    const allow = response.headers.get("allow");
    return response.status === 405 && allow ? [] : [`${what}: not an operation, so 405 with Allow (got ${allow})`];
  }
  const verb = method === "HEAD" ? "get" : method.toLowerCase();
  const documented = found.operation.responses[String(response.status)];
  if (!documented) return [`${what}: ${found.operation.operationId} does not document this status`];
  coveredOperations.add(found.operation.operationId);
  const base = pointer("paths", found.template, verb, "responses", String(response.status));
  const problems: string[] = [];
  for (const [name, header] of Object.entries(documented.headers ?? {})) {
    const value = response.headers.get(name);
    if (value === null) {
      if (header.required) problems.push(`${what}: no ${name} header`);
      continue;
    }
    const typed =
      /^-?\d+$/.test(value) && (header.schema as { type?: string }).type === "integer" ? Number(value) : value;
    const validate = validatorAt(`${base}/headers/${pointer(name)}/schema`);
    if (!validate(typed)) problems.push(`${what}: ${name}: ${ajv.errorsText(validate.errors)}`);
  }
  const types = Object.keys(documented.content ?? {});
  if (types.length === 0) return problems;
  const mediaType = response.headers.get("content-type")?.split(";")[0]?.trim() ?? "";
  if (!types.includes(mediaType)) return [...problems, `${what}: content type ${mediaType}, not ${types.join(" or ")}`];
  if (method === "HEAD") return problems;
  const text = await response.text();
  const body = mediaType === "application/json" ? JSON.parse(text) : text;
  const validate = validatorAt(`${base}/content/${pointer(mediaType)}/schema`);
  if (!validate(body)) problems.push(`${what}: body: ${ajv.errorsText(validate.errors)}`);
  return problems;
}
