import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

/** The parts of a JSON Schema (OpenAPI 3.0's dialect) the reference shows. */
export type Schema = {
  $ref?: string;
  type?: string;
  format?: string;
  pattern?: string;
  enum?: unknown[];
  anyOf?: Schema[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  description?: string;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
};
type Shown = HtmlEscapedString | Promise<HtmlEscapedString>;

const RULES = ["format", "pattern", "minLength", "maxLength", "minItems", "maxItems"] as const;

/** Follows `#/components/schemas/...` references into `components`. */
export function resolver(components: Record<string, Schema>) {
  return function resolve(schema: Schema): Schema {
    return schema.$ref ? resolve(components[schema.$ref.split("/").pop()!] ?? {}) : schema;
  };
}

/** What a value is, in a few words: `string`, `array of string`, `one of yes`, `string or array of string`. */
function typeOf(schema: Schema, resolve: (schema: Schema) => Schema): string {
  const resolved = resolve(schema);
  if (resolved.enum) return `one of ${resolved.enum.map((value) => JSON.stringify(value)).join(", ")}`;
  if (resolved.anyOf) return resolved.anyOf.map((option) => typeOf(option, resolve)).join(" or ");
  if (resolved.type === "array") return `array of ${typeOf(resolved.items ?? {}, resolve)}`;
  return resolved.type ?? "any";
}

/** The rules a value is held to, as `name: value` codes. */
function rulesOf(schema: Schema): Shown[] {
  const options = [schema, ...(schema.anyOf ?? [])];
  return options.flatMap((option) =>
    RULES.filter((rule) => option[rule] !== undefined).map((rule) => html`<code>${rule}: ${option[rule]}</code> `),
  );
}

/**
 * A schema as a person reads it: an object's fields in a table (name, type, required, rules,
 * description), a nested object's in a table of its own; any other schema as its type and rules.
 */
export function schemaFields(schema: Schema, resolve: (schema: Schema) => Schema): Shown {
  const resolved = resolve(schema);
  const nested = resolved.anyOf?.map(resolve).find((option) => option.properties);
  const object = resolved.properties ? resolved : nested;
  if (!object?.properties) return html`<p><code>${typeOf(resolved, resolve)}</code> ${rulesOf(resolved)}</p>`;
  const required = new Set(object.required ?? []);
  const rows = Object.entries(object.properties).map(([name, raw]) => {
    const field = resolve(raw);
    const inner = field.properties || field.anyOf?.some((option) => resolve(option).properties);
    return html`<tr><td><code>${name}</code></td><td>${typeOf(field, resolve)}</td>
<td>${required.has(name) ? "required" : "optional"}</td>
<td>${rulesOf(field)}${field.description ?? ""}${inner ? schemaFields(field, resolve) : ""}</td></tr>`;
  });
  return html`<table><tr><th>Field</th><th>Type</th><th>Required</th><th>Rules</th></tr>${rows}</table>`;
}
