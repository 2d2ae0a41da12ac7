import { z } from "zod";
import {
  compareOpenEmrVersions,
  OPENEMR_VERSION_PATTERN,
  type OpenEmrVersion,
  parseOpenEmrVersion,
} from "./openemr-version.ts";

const NOT_A_VERSION = "Not an OpenEMR version, such as 7.0.3 or 7.0.3.4";

/**
 * Who a broadcast reaches: every address (no criterion), or those whose latest version is below
 * `belowVersion` and/or whose latest distribution is one of `distributions`. One schema for the
 * API's body, the stored broadcast and its progress.
 */
export const Audience = z.strictObject({
  belowVersion: z
    .string()
    .trim()
    .max(64)
    // The pattern states the rule in the document; the parse also refuses a patch level given twice.
    .regex(OPENEMR_VERSION_PATTERN, NOT_A_VERSION)
    .refine((text) => parseOpenEmrVersion(text) !== undefined, NOT_A_VERSION)
    .optional()
    .meta({
      description:
        "Only installations whose latest reported version is below this one, in OpenEMR's order (`7.0.3 (4)` is " +
        "`7.0.3.4`; `8.2.0-dev` comes before `8.2.0`). A registration without a known version is left out.",
    }),
  distributions: z.array(z.string().trim().min(1).max(64)).min(1).max(50).optional().meta({
    description: "Only installations whose latest distribution is one of these; `unknown` for those that sent none",
  }),
});
export type Audience = z.infer<typeof Audience>;

/** Distributions as a registration without one is tallied (GET /api/registration/versions too). */
export const UNKNOWN_DISTRIBUTION = "unknown";

/** What the audience filter reads of a registration: its latest version and distribution. */
export type AudienceProfile = { version?: string; distribution?: string };

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

/**
 * Whether a registration is in the audience: `in`, `out`, or `unknown-version` when only its
 * version decides and it has none that parses (we cannot tell, so it is left out, and counted apart).
 */
export type AudienceVerdict = "in" | "out" | "unknown-version";

/**
 * The verdict for each registration, the audience's version parsed once for a scan that asks for
 * every registration. Everyone is `in` an absent audience.
 */
export function createAudienceFilter(audience: Audience | undefined): (profile: AudienceProfile) => AudienceVerdict {
  const bound: OpenEmrVersion | undefined =
    audience?.belowVersion === undefined ? undefined : parseOpenEmrVersion(audience.belowVersion);
  if (audience?.belowVersion !== undefined && !bound)
    throw new Error(`The audience's version ${audience.belowVersion} does not parse`);
  const distributions = audience?.distributions && new Set(audience.distributions);
  return ({ version, distribution }) => {
    if (distributions && !distributions.has(distribution || UNKNOWN_DISTRIBUTION)) return "out";
    if (!bound) return "in";
    const parsed = version ? parseOpenEmrVersion(version) : undefined;
    if (!parsed) return "unknown-version";
    return compareOpenEmrVersions(parsed, bound) < 0 ? "in" : "out";
  };
}
