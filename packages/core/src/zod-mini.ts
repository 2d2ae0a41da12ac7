import { en } from "zod/locales";
import { config, globalRegistry, type ZodMiniType } from "zod/mini";

/**
 * zod 4's mini build, for the schemas a cold start parses with (a registration, a usage report, a
 * queue message, an SES event): the same parser and JSON Schema as classic zod, but only what is
 * used gets bundled, where classic zod's `z` holds every method of every schema and the OpenAPI
 * generator extends them all (issue #26). Import it as a namespace (`import * as z`) and use it by
 * name, so that the bundler keeps only the functions used. Mini loads no locale by itself: English
 * here gives the messages classic zod gives. Core's package.json names this module its one with
 * side effects, else a bundler keeps only what it re-exports and drops the locale. Classic zod
 * takes a mini schema anywhere it takes its own, except in what `@hono/zod-openapi` describes
 * itself (it calls `.meta()`): a mini schema is documented through `schemaRef` or
 * `queryParameter` (`http/openapi.ts`), or as its classic twin (`zod-classic.ts`).
 * @module
 */
config(en());

export * from "zod/mini";

/** `schema` with a description for the document, as classic zod's `.meta({ description })` gives. */
export function described<T extends ZodMiniType>(schema: T, description: string): T {
  (schema as ZodMiniType).register(globalRegistry, { description });
  return schema;
}
