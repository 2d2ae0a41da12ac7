import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { inject } from "vitest";

// Everything the handlers log goes to stdout (Powertools writes JSON lines there); keep a copy of
// it for the scan at the end of the run, and still let it through.
const file = join(inject("reliabilityDir"), `logs-worker-${process.pid}.log`);
const CAPTURING = Symbol.for("oemr-reg.capturing-logs");
const streams = (globalThis as Record<symbol, unknown>)[CAPTURING] ? [] : [process.stdout, process.stderr];
(globalThis as Record<symbol, unknown>)[CAPTURING] = true;
for (const stream of streams) {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    appendFileSync(file, typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array));
    return write(chunk, ...rest);
  }) as typeof stream.write;
}
