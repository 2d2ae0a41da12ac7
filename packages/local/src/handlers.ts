import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const PROJECT_ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/**
 * Imports the export an SST handler string names (`packages/functions/src/api.handler`), from the
 * same file that SST bundles for Lambda.
 */
export async function loadHandlerModule(
  handler: string,
): Promise<{ module: Record<string, unknown>; exportName: string }> {
  const dot = handler.lastIndexOf(".");
  const file = resolve(PROJECT_ROOT, `${handler.slice(0, dot)}.ts`);
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const exportName = handler.slice(dot + 1);
  if (typeof module[exportName] !== "function") throw new Error(`${file} exports no function "${exportName}"`);
  return { module, exportName };
}

export async function loadHandler<H>(handler: string): Promise<H> {
  const { module, exportName } = await loadHandlerModule(handler);
  return module[exportName] as H;
}
