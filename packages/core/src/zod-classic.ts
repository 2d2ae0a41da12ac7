import * as z from "zod";

/**
 * The classic twin of a zod/mini schema, for what `@hono/zod-openapi` describes itself: it calls
 * classic zod's methods (`.meta()`) on every schema it walks, which mini schemas have not. Mini
 * and classic schemas are built from the same definitions and checks (zod's own `clone` rebuilds a
 * schema from its definition), so the twin is the mini schema's definition, its inner schemas
 * twinned too, under the classic class of its kind, with the same metadata: it parses, fails and
 * is described as the mini one. The mini one stays what a cold start parses with (issue #26), and
 * this module loads only with classic zod. It knows the kinds the twinned schemas use.
 * @module
 */

type Def = z.core.$ZodTypeDef & {
  shape?: Record<string, z.core.$ZodType>;
  innerType?: z.core.$ZodType;
  element?: z.core.$ZodType;
  catchall?: z.core.$ZodType;
  options?: z.core.$ZodType[];
  format?: string;
};
type Class = new (def: Def) => z.ZodType;

const CLASSES: Partial<Record<Def["type"], Class>> = {
  array: z.ZodArray as unknown as Class,
  boolean: z.ZodBoolean as unknown as Class,
  enum: z.ZodEnum as unknown as Class,
  literal: z.ZodLiteral as unknown as Class,
  never: z.ZodNever as unknown as Class,
  number: z.ZodNumber as unknown as Class,
  object: z.ZodObject as unknown as Class,
  optional: z.ZodOptional as unknown as Class,
  string: z.ZodString as unknown as Class,
  union: z.ZodUnion as unknown as Class,
};

export function classicOf<T extends z.core.$ZodType>(schema: T): z.ZodType<z.output<T>, z.input<T>> {
  const def = schema._zod.def as Def;
  // `z.int()` and its kin: a number under a format, a class of its own.
  const Twin = def.type === "number" && def.format ? (z.ZodNumberFormat as unknown as Class) : CLASSES[def.type];
  if (!Twin || (def.type === "string" && def.format)) throw new TypeError(`No classic twin for a mini ${def.type}`);
  const twin = new Twin({
    ...def,
    ...(def.shape && { shape: Object.fromEntries(Object.entries(def.shape).map(([k, v]) => [k, classicOf(v)])) }),
    ...(def.innerType && { innerType: classicOf(def.innerType) }),
    ...(def.element && { element: classicOf(def.element) }),
    ...(def.catchall && { catchall: classicOf(def.catchall) }),
    ...(def.options && { options: def.options.map((option) => classicOf(option)) }),
  });
  const meta = z.globalRegistry.get(schema);
  if (meta) z.globalRegistry.add(twin, meta);
  return twin as z.ZodType<z.output<T>, z.input<T>>;
}
