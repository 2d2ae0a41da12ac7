import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { HEAD_META } from "./pages.ts";

/** The parts of an OpenAPI 3 document the page shows. */
type Document = {
  info: { title: string; version: string; description?: string };
  paths: object;
  components?: { schemas?: object };
};
type Operation = {
  summary?: string;
  description?: string;
  security?: Record<string, unknown>[];
  parameters?: { name: string; in: string; description?: string }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
};

const METHODS = ["get", "post", "put", "patch", "delete"];

/** Media types as code, each followed by a space. */
const codes = (types: string[]) => types.map((type) => html`<code>${type}</code> `);
const asJson = (value: unknown) => JSON.stringify(value, null, 2);

export const DOCS_STYLE =
  "body{margin:0;font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#1f2328;line-height:1.5}" +
  "main{max-width:900px;margin:32px auto;padding:0 16px}" +
  "section{border-top:1px solid #d1d9e0;padding:8px 0 16px}" +
  "code,pre{font-family:Menlo,Consolas,monospace;font-size:13px}" +
  "pre{background:#f6f8fa;padding:8px 12px;border-radius:6px;overflow-x:auto}" +
  ".method{display:inline-block;min-width:4em;font-weight:bold;text-transform:uppercase}" +
  "td,th{text-align:left;vertical-align:top;padding:2px 12px 2px 0}";

/**
 * The API's reference as one self-contained HTML page, rendered on the server from the OpenAPI
 * document: no script, no stylesheet or font from a CDN, so it works offline and under a CSP that
 * allows only its own inline style. Swagger UI would need either a CDN or a bundle of its assets.
 */
export function docsPage(document: Document, documentUrl: string): HtmlEscapedString | Promise<HtmlEscapedString> {
  const paths = document.paths as Record<string, Record<string, Operation | undefined>>;
  const operations = Object.entries(paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => (item[method] ? [{ path, method, operation: item[method]! }] : [])),
  );
  return html`<!doctype html>
<html lang="en">
<head>${raw(HEAD_META)}<title>${document.info.title}</title><style>${raw(DOCS_STYLE)}</style></head>
<body><main>
<h1>${document.info.title} <small>${document.info.version}</small></h1>
${document.info.description ? html`<p>${document.info.description}</p>` : ""}
<p>The machine-readable document: <a href="${documentUrl}"><code>${documentUrl}</code></a> (OpenAPI 3).</p>
${operations.map(({ path, method, operation }) => operationSection(path, method, operation))}
<h2>Schemas</h2>
${Object.entries(document.components?.schemas ?? {}).map(
  ([name, schema]) =>
    html`<section id="schema-${name}"><h3><code>${name}</code></h3><pre>${asJson(schema)}</pre></section>`,
)}
</main></body>
</html>`;
}

function operationSection(path: string, method: string, operation: Operation) {
  const body = Object.entries(operation.requestBody?.content ?? {});
  const bodyTypes = codes(body.map(([type]) => type));
  const pin = operation.security?.some((requirement) => "SecretPin" in requirement);
  return html`<section>
<h2><span class="method">${method}</span> <code>${path}</code></h2>
${operation.summary ? html`<p><strong>${operation.summary}</strong></p>` : ""}
${operation.description ? html`<p>${operation.description}</p>` : ""}
${pin ? html`<p>The board's PIN in the <code>X-Secret-Pin</code> header.</p>` : ""}
${body.length ? html`<h3>Body</h3><p>${bodyTypes}</p><pre>${asJson(body[0]![1].schema)}</pre>` : ""}
<h3>Responses</h3>
<table>${Object.entries(operation.responses ?? {}).map(([status, response]) => {
    const types = codes(Object.keys(response.content ?? {}));
    return html`<tr><th>${status}</th><td>${response.description ?? ""}</td><td>${types}</td></tr>`;
  })}</table>
</section>`;
}
