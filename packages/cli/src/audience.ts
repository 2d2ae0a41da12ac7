import { type Audience, normalizeAudience } from "@oemr-reg/core/registration/audience";
import type { ApiClient } from "./api.ts";

/** The audience the command line names: `--below-version`, `--distribution` (repeated or comma-separated). */
export function audienceOf({ belowVersion, distribution = [] }: { belowVersion?: string; distribution?: string[] }) {
  const distributions = distribution.flatMap((names) => names.split(",")).map((name) => name.trim());
  return normalizeAudience({
    ...(belowVersion !== undefined && { belowVersion: belowVersion.trim() }),
    ...(distributions.some(Boolean) && { distributions: distributions.filter(Boolean) }),
  });
}

/** The audience as the preview and the confirmation say it: "below OpenEMR 7.0.3, distribution docker". */
export function describeAudience(audience: Audience | undefined): string {
  if (!audience) return "every active subscriber";
  const { belowVersion, distributions } = audience;
  return [
    belowVersion && `below OpenEMR ${belowVersion}`,
    distributions && `distribution ${distributions.join(" or ")}`,
  ]
    .filter(Boolean)
    .join(", ");
}

export type Reach = {
  active: number;
  reached: number;
  /** "9 of 40 active subscribers: below OpenEMR 7.0.3", for the preview and the confirmation. */
  sentence: string;
  /** The PIN, when counting needed it (and so checked it). */
  pin?: string;
};

const subscribers = (count: number) => `${count} active subscriber${count === 1 ? "" : "s"}`;

export async function reachOfEveryone(client: ApiClient): Promise<Reach> {
  const { active } = await client.counts();
  return { active, reached: active, sentence: subscribers(active) };
}

/** The audience's reach, asked of the server; a wrong PIN stops here, as the PIN check would. */
export async function reachOfAudience(client: ApiClient, audience: Audience, pin: string): Promise<Reach> {
  const { active, reached, unknownVersion } = await client.audienceReach(audience, pin);
  const unknown =
    audience.belowVersion && unknownVersion > 0
      ? `; ${unknownVersion} with no known version left out, since nobody can tell`
      : "";
  return {
    active,
    reached,
    pin,
    sentence: `${reached} of ${subscribers(active)} (${describeAudience(audience)}${unknown})`,
  };
}
