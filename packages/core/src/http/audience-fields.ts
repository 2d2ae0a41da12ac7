import { Audience, normalizeAudience } from "../registration/audience.ts";
import { ApiError, invalidInput } from "./errors.ts";

/**
 * The audience of a request, checked: JSON's `audience` object, or the flat fields a form or a query
 * string carries (`belowVersion`, `distribution`). An empty field is no criterion, as forms send
 * them; `undefined` is everyone. Unknown criteria are refused rather than ignored, since ignoring
 * one would mail everyone.
 * @throws ApiError 400 InvalidAudienceException
 */
export function parseAudience(fields: Record<string, unknown>): Audience | undefined {
  const { belowVersion, distribution } = fields;
  const flat = {
    ...(typeof belowVersion !== "string" || belowVersion.trim() !== "" ? { belowVersion } : {}),
    ...distributionsOf(distribution),
  };
  const hasFlat = belowVersion !== undefined || distribution !== undefined;
  if (fields.audience !== undefined && fields.audience !== null && hasFlat)
    throw new ApiError(400, "InvalidAudienceException", "Give the audience as `audience` or as fields, not both");
  const candidate = hasFlat ? flat : (fields.audience ?? undefined);
  if (candidate === undefined) return undefined;
  const parsed = Audience.safeParse(candidate);
  if (!parsed.success) throw invalidInput("InvalidAudienceException", parsed.error);
  return normalizeAudience(parsed.data);
}

function distributionsOf(distribution: unknown): { distributions?: unknown } {
  if (distribution === undefined) return {};
  const values = Array.isArray(distribution) ? distribution : [distribution];
  if (!values.every((value) => typeof value === "string")) return { distributions: distribution };
  const names = values.flatMap((value: string) => value.split(",")).map((name) => name.trim());
  return names.some(Boolean) ? { distributions: names.filter(Boolean) } : {};
}
