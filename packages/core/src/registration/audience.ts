import * as z from "../zod-mini.ts";
import { OPENEMR_VERSION_PATTERN, parseOpenEmrVersion } from "./openemr-version.ts";

const NOT_A_VERSION = "Not an OpenEMR version, such as 7.0.3 or 7.0.3.4";

/** An audience's `belowVersion`, also as a form's flat field gives it (`http/api-schemas.ts`). */
export const BelowVersion = z.string().check(
  z.trim(),
  z.maxLength(64),
  // The pattern states the rule in the document; the parse also refuses a patch level given twice.
  z.regex(OPENEMR_VERSION_PATTERN, NOT_A_VERSION),
  z.refine((text) => parseOpenEmrVersion(text) !== undefined, NOT_A_VERSION),
);

/**
 * Who a broadcast reaches: every address (no criterion), or those whose latest version is below
 * `belowVersion` and/or whose latest distribution is one of `distributions`. One schema for the
 * API's body, the stored broadcast and its progress. zod/mini: the fan-out and the senders parse
 * it; the document describes its classic twin (`zod-classic.ts`).
 */
export const Audience = z.strictObject({
  belowVersion: z.optional(BelowVersion).register(z.globalRegistry, {
    description:
      "Only installations whose latest reported version is below this one, in OpenEMR's order (`7.0.3 (4)` is " +
      "`7.0.3.4`; `8.2.0-dev` comes before `8.2.0`). A registration without a known version is left out.",
  }),
  distributions: z
    .optional(
      z.array(z.string().check(z.trim(), z.minLength(1), z.maxLength(64))).check(z.minLength(1), z.maxLength(50)),
    )
    .register(z.globalRegistry, {
      description: "Only installations whose latest distribution is one of these; `unknown` for those that sent none",
    }),
});
export type Audience = z.infer<typeof Audience>;

/**
 * The audience with its criteria in one form, or `undefined` for everyone: distributions without
 * repeats and sorted, so that one audience is stored and fingerprinted one way.
 */
export function normalizeAudience(audience: Audience | undefined): Audience | undefined {
  const distributions = audience?.distributions && [...new Set(audience.distributions)].sort();
  const normalized = {
    ...(audience?.belowVersion !== undefined && { belowVersion: audience.belowVersion }),
    ...(distributions && { distributions }),
  };
  return Object.keys(normalized).length === 0 ? undefined : normalized;
}
