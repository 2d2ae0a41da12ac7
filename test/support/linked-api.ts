import { loadResourceEnvironment } from "sst/resource/shared";
import { vi } from "vitest";

/**
 * The API function's module as a deploy after `sst secret set` makes it: new instances linked with
 * these secrets. SST's `Resource` reads `SST_RESOURCE_*` once per process, so the values are loaded
 * into it as well as set, and the module is imported afresh.
 */
export async function apiLinkedWith(
  secrets: Record<string, string>,
): Promise<typeof import("@oemr-reg/functions/api")> {
  const variables = Object.fromEntries(
    Object.entries(secrets).map(([name, value]) => [
      `SST_RESOURCE_${name}`,
      JSON.stringify({ value, type: "sst.sst.Secret" }),
    ]),
  );
  Object.assign(process.env, variables);
  loadResourceEnvironment(variables);
  vi.resetModules();
  return import("@oemr-reg/functions/api");
}
