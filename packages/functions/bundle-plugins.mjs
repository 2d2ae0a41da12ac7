// The esbuild plugins SST bundles every function with (`nodejs.plugins`, set from resources.ts
// `nodejsBundling`); the benchmarks bundle with them too.
import { dirname } from "node:path";

// zod's `z` namespace holds `z.locales`, every translation of its error messages (about 260 KB
// minified), and `@hono/zod-openapi` hands `z` to a function, so no bundler can drop the unused
// ones. The service's messages are English: this keeps `z.locales.en` alone.
const ZOD_LOCALES = /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/;

/** @type {import("esbuild").Plugin} */
const zodEnglishOnly = {
  name: "zod-english-only",
  setup(build) {
    // SST 4.17's plugin bridge tests `filter` against no path at all (nodejs-runtime/plugin.mjs
    // reads `msg.path`, not `msg.value.path`), so the filter takes everything and the path is
    // checked here.
    build.onLoad({ filter: /.*/ }, ({ path }) =>
      ZOD_LOCALES.test(path)
        ? { contents: 'export { default as en } from "./en.js";', loader: "js", resolveDir: dirname(path) }
        : undefined,
    );
  },
};

export default [zodEnglishOnly];
