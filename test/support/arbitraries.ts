import fc from "fast-check";
import type { Document } from "./contract.ts";

/**
 * fast-check arbitraries for the values a JSON Schema of the OpenAPI document accepts: the kinds
 * of schema the document has (objects, strings with lengths, patterns and formats, enums, numbers,
 * arrays, `anyOf`, `$ref`), with strings and arrays kept short so that a run stays quick.
 * @module
 */

export type Schema = {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  nullable?: boolean;
  anyOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
};

const SHORT = 24;

export function schemaAt(document: Document, schema: Schema): Schema {
  if (!schema.$ref) return schema;
  const path = schema.$ref.replace(/^#\//, "").split("/");
  return path.reduce<Record<string, unknown>>(
    (node, part) => node[part] as Record<string, unknown>,
    document,
  ) as Schema;
}

/** Values `schema` accepts. */
export function acceptedBy(document: Document, raw: Schema): fc.Arbitrary<unknown> {
  const schema = schemaAt(document, raw);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((option) => acceptedBy(document, option)));
  switch (schema.type) {
    case "object":
      return objectOf(document, schema);
    case "array":
      return fc.array(acceptedBy(document, schema.items ?? {}), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 3, 3),
      });
    case "integer":
      return fc.integer({ min: 0, max: 1000 });
    case "number":
      return fc.double({ min: 0, max: 1000, noNaN: true });
    case "boolean":
      return fc.boolean();
    case "string":
      return stringOf(schema);
    default:
      return fc.string({ maxLength: SHORT });
  }
}

function stringOf(schema: Schema): fc.Arbitrary<string> {
  if (schema.format === "email") return fc.emailAddress();
  if (schema.format === "uuid") return fc.uuid();
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? SHORT, SHORT));
  const text = schema.pattern
    ? fc.stringMatching(new RegExp(schema.pattern))
    : fc.string({ minLength, maxLength, unit: "grapheme-ascii" });
  return text.filter((value) => value.length >= minLength && value.length <= (schema.maxLength ?? Infinity));
}

function objectOf(document: Document, schema: Schema): fc.Arbitrary<Record<string, unknown>> {
  const properties = Object.fromEntries(
    Object.entries(schema.properties ?? {}).map(([name, property]) => [name, acceptedBy(document, property)]),
  );
  return fc.record(properties, { requiredKeys: schema.required ?? [] }) as fc.Arbitrary<Record<string, unknown>>;
}

/**
 * A valid object broken one way the server must refuse: a required field left out, or, for JSON,
 * a field of the wrong type.
 */
export function brokenObjectOf(
  document: Document,
  raw: Schema,
  { typed }: { typed: boolean },
): fc.Arbitrary<Record<string, unknown>> | undefined {
  const schema = schemaAt(document, raw);
  const required = schema.required ?? [];
  if (required.length === 0) return undefined;
  return fc
    .tuple(objectOf(document, schema), fc.constantFrom(...required), fc.boolean())
    .map(([value, name, wrongType]) => {
      const broken = { ...value };
      if (typed && wrongType) broken[name] = { not: "this" };
      else delete broken[name];
      return broken;
    });
}
