import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { HEAD_META } from "./pages.ts";
import { resolver, type Schema, schemaFields } from "./schema-fields.ts";

/** The parts of an OpenAPI 3 document the page shows. */
type Document = {
  info: { title: string; version: string; description?: string };
  paths: object;
  components?: { schemas?: object };
};
type Content = Record<string, { schema?: Schema }>;
type Operation = {
  summary?: string;
  description?: string;
  security?: Record<string, unknown>[];
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: Schema }[];
  requestBody?: { content?: Content };
  responses?: Record<string, { description?: string; content?: Content }>;
};
type Resolve = (schema: Schema) => Schema;

const METHODS = ["get", "post", "put", "patch", "delete"];
const WAYS_IN: Record<string, string> = {
  SecretPin: "The board's PIN in the <code>X-Secret-Pin</code> header.",
  ConsoleSession: "The console's session cookie, from its login.",
};

/** Media types as code, each followed by a space. */
const codes = (types: string[]) => types.map((type) => html`<code>${type}</code> `);

export const DOCS_STYLE =
  "body{margin:0;font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#1f2328;line-height:1.5}" +
  "main{max-width:900px;margin:32px auto;padding:0 16px}" +
  "section{border-top:1px solid #d1d9e0;padding:8px 0 16px}" +
  "code,pre{font-family:Menlo,Consolas,monospace;font-size:13px;overflow-wrap:anywhere}" +
  ".method{display:inline-block;min-width:4em;font-weight:bold;text-transform:uppercase}" +
  "table{border-collapse:collapse}td,th{text-align:left;vertical-align:top;padding:2px 12px 2px 0}" +
  "td table{margin:4px 0 4px 8px}";

/**
 * The API's reference as one self-contained HTML page, rendered on the server from the OpenAPI
 * document: no script, no stylesheet or font from a CDN, so it works offline and under a CSP that
 * allows only its own inline style. Swagger UI would need either a CDN or a bundle of its assets.
 * Every body is shown as its fields, references followed, never as a bare `$ref`.
 */
export function docsPage(document: Document, documentUrl: string): HtmlEscapedString | Promise<HtmlEscapedString> {
  const paths = document.paths as Record<string, Record<string, Operation | undefined>>;
  const schemas = (document.components?.schemas ?? {}) as Record<string, Schema>;
  const resolve = resolver(schemas);
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
${operations.map(({ path, method, operation }) => operationSection(path, method, operation, resolve))}
<h2>Schemas</h2>
${Object.entries(schemas).map(
  ([name, schema]) =>
    html`<section id="schema-${name}"><h3><code>${name}</code></h3>${schemaFields(schema, resolve)}</section>`,
)}
</main></body>
</html>`;
}

/** A body: its fields, or a link to the schema section that shows them when it is a shared one. */
function bodyOf(schema: Schema | undefined, resolve: Resolve, { inline }: { inline: boolean }) {
  if (!schema) return "";
  const name = schema.$ref?.split("/").pop();
  if (name && !inline) return html`<a href="#schema-${name}"><code>${name}</code></a>`;
  return schemaFields(schema, resolve);
}

function operationSection(path: string, method: string, operation: Operation, resolve: Resolve) {
  const body = Object.entries(operation.requestBody?.content ?? {});
  // A form and JSON usually share one schema: shown once, under every type that carries it.
  const bySchema = new Map<string, { types: string[]; schema?: Schema }>();
  for (const [type, { schema }] of body) {
    const key = JSON.stringify(schema);
    bySchema.set(key, { schema, types: [...(bySchema.get(key)?.types ?? []), type] });
  }
  const ways = (operation.security ?? []).flatMap((requirement) => Object.keys(requirement));
  const parameters = operation.parameters ?? [];
  return html`<section>
<h2><span class="method">${method}</span> <code>${path}</code></h2>
${operation.summary ? html`<p><strong>${operation.summary}</strong></p>` : ""}
${operation.description ? html`<p>${operation.description}</p>` : ""}
${ways.map((way) => html`<p>${raw(WAYS_IN[way] ?? way)}</p>`)}
${
  parameters.length
    ? html`<h3>Parameters</h3><table><tr><th>Name</th><th>In</th><th>Required</th><th>Rules</th></tr>${parameters.map(
        (parameter) =>
          html`<tr><td><code>${parameter.name}</code></td><td>${parameter.in}</td>
<td>${parameter.required ? "required" : "optional"}</td>
<td>${bodyOf(parameter.schema, resolve, { inline: true })}${parameter.description ?? ""}</td></tr>`,
      )}</table>`
    : ""
}
${
  body.length
    ? html`<h3>Body</h3>${[...bySchema.values()].map(
        ({ types, schema }) => html`<p>${codes(types)}</p>${bodyOf(schema, resolve, { inline: true })}`,
      )}`
    : ""
}
<h3>Responses</h3>
<table>${Object.entries(operation.responses ?? {}).map(([status, response]) => {
    const content = Object.entries(response.content ?? {});
    const shown = content.map(([type, { schema }]) =>
      type === "text/html" ? "" : bodyOf(schema, resolve, { inline: false }),
    );
    const types = codes(content.map(([type]) => type));
    return html`<tr><th>${status}</th><td>${response.description ?? ""}</td><td>${types}</td><td>${shown}</td></tr>`;
  })}</table>
</section>`;
}
