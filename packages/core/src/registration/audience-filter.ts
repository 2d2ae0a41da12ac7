import type { Audience } from "./audience.ts";
import { compareOpenEmrVersions, type OpenEmrVersion, parseOpenEmrVersion } from "./openemr-version.ts";

/**
 * Who is in an audience, apart from the audience's schema (`audience.ts`, classic zod, which the
 * OpenAPI document shows): the registration store's scans and the fan-out filter with this alone.
 * @module
 */

/** Distributions as a registration without one is tallied (GET /api/registration/versions too). */
export const UNKNOWN_DISTRIBUTION = "unknown";

/** What the audience filter reads of a registration: its latest version and distribution. */
export type AudienceProfile = { version?: string; distribution?: string };

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
