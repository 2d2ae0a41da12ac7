// The esbuild plugins SST bundles every function with (`nodejs.plugins`, set from resources.ts
// `nodejsBundling`); the benchmarks bundle with them too.
import { dirname } from "node:path";

// zod's `z` namespace holds `z.locales`, every translation of its error messages (about 260 KB
// minified), and `@hono/zod-openapi` hands `z` to a function, so no bundler can drop the unused
// ones. The service's messages are English: this keeps `z.locales.en` alone.
const ZOD_LOCALES = /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/;

// For the same reason `z.compile` (zod's ahead-of-time parser, 31 KB) and `z.fromJSONSchema`
// (12 KB) load with every function, though nothing here calls them: the service parses with zod's
// runtime parser, and it writes JSON Schema (the OpenAPI document), it never reads it. Each is
// reached only through the `z` namespace, so each becomes a stub that says why it is missing.
const unbundled = (name) =>
  `() => { throw new Error("zod's ${name} is left out of the bundle (packages/functions/bundle-plugins.mjs)"); }`;
const ZOD_UNUSED = [
  {
    file: /[\\/]zod[\\/]v4[\\/]core[\\/]compile\.js$/,
    contents: [
      'export const INVALID = Symbol.for("zod.compile.invalid");',
      "export class ZodCompileAsyncError extends Error {}",
      "export class ZodCompileUnsupportedError extends Error {}",
      ...["compile", "withParser", "compileFn"].map((name) => `export const ${name} = ${unbundled(`z.${name}`)};`),
    ].join("\n"),
  },
  {
    file: /[\\/]zod[\\/]v4[\\/]classic[\\/]from-json-schema\.js$/,
    contents: `export const fromJSONSchema = ${unbundled("z.fromJSONSchema")};`,
  },
];

// OpenPGP.js's Node build holds all it may ever need: its elliptic curves in JavaScript, legacy
// ciphers, Argon2, bzip2 (400 KB minified, loaded by every first signature). Its lightweight build
// is the same library, made for WebCrypto, which Node 24 has: those parts become chunks it imports
// only for a key or message that needs them; an Ed25519 key signs through WebCrypto.
const OPENPGP_NODE = /[\\/]openpgp[\\/]dist[\\/]node[\\/]openpgp\.mjs$/;
const OPENPGP_LIGHTWEIGHT = 'export * from "../lightweight/openpgp.mjs";';

// nodemailer's table of every file extension's MIME type and back (74 KB minified, two Maps of
// 1,000 entries built at import) names an attachment's type from its file name. The service sends
// text and HTML parts, whose types the composer sets itself, and no attachment: the table keeps
// those two types, and anything else is `application/octet-stream`, as an unknown extension is.
const NODEMAILER_MIME_TYPES = /[\\/]nodemailer[\\/]dist[\\/]esm[\\/]mime-funcs[\\/]mime-types\.js$/;
const MIME_TYPES_USED = `
const types = new Map([["txt", "text/plain"], ["html", "text/html"]]);
const extensions = new Map([...types].map(([extension, type]) => [type, extension]));
const extensionOf = (name) => (name.split("?")[0].split(".").pop() ?? "").trim().toLowerCase();
export const detectMimeType = (filename) => types.get(extensionOf(filename ?? "")) ?? "application/octet-stream";
export const detectExtension = (mimeType) =>
  extensions.get((mimeType ?? "").trim().toLowerCase()) ?? (mimeType?.startsWith("text/") ? "txt" : "bin");
`;

// And its HTTP client (9 KB with its cookie jar and URL parser) fetches a part's content from an
// `href`; every part the service sends is a string it made, so the client is a stub that says why.
const NODEMAILER_FETCH = /[\\/]nodemailer[\\/]dist[\\/]esm[\\/]fetch[\\/]index\.js$/;
const FETCH_UNUSED = `export default () => {
  throw new Error("nodemailer's fetch of an href is left out of the bundle (packages/functions/bundle-plugins.mjs)");
};`;

// Node 24 loads its fetch implementation (undici, about 25 ms here) when an ES module imports
// `node:http`: the module's ESM facade reads every export, and `http.WebSocket` and its kin are
// getters that load undici. The SDK's HTTP handler imports `node:http` so, and Lambda's runtime
// itself requires it as CommonJS (aws-lambda-nodejs-runtime-interface-client,
// src/client/rapid-client.ts), so a function that never uses fetch would pay it for nothing.
// Each ES import of it becomes a CommonJS `require`, through the `require` SST's banner defines.
const HTTP = /^(node:)?http$/;
const HTTP_AS_COMMONJS = "oemr-http-as-commonjs";

/** @type {import("esbuild").Plugin} */
const httpAsCommonJs = {
  name: "http-as-commonjs",
  setup(build) {
    // The filter takes everything for the reason `zodTrimmed` gives.
    build.onResolve({ filter: /.*/ }, ({ path, kind }) =>
      HTTP.test(path) && (kind === "import-statement" || kind === "dynamic-import")
        ? { path: "node:http", namespace: HTTP_AS_COMMONJS }
        : undefined,
    );
    build.onLoad({ filter: /.*/ }, ({ namespace }) =>
      namespace === HTTP_AS_COMMONJS ? { contents: 'module.exports = require("node:http");', loader: "js" } : undefined,
    );
  },
};

/** @type {import("esbuild").Plugin} */
const zodTrimmed = {
  name: "zod-trimmed",
  setup(build) {
    // SST 4.17's plugin bridge tests `filter` against no path at all (nodejs-runtime/plugin.mjs
    // reads `msg.path`, not `msg.value.path`), so the filter takes everything and the path is
    // checked here.
    build.onLoad({ filter: /.*/ }, ({ path }) => {
      if (ZOD_LOCALES.test(path))
        return { contents: 'export { default as en } from "./en.js";', loader: "js", resolveDir: dirname(path) };
      if (OPENPGP_NODE.test(path)) return { contents: OPENPGP_LIGHTWEIGHT, loader: "js", resolveDir: dirname(path) };
      if (NODEMAILER_MIME_TYPES.test(path)) return { contents: MIME_TYPES_USED, loader: "js" };
      if (NODEMAILER_FETCH.test(path)) return { contents: FETCH_UNUSED, loader: "js" };
      const unused = ZOD_UNUSED.find(({ file }) => file.test(path));
      return unused ? { contents: unused.contents, loader: "js" } : undefined;
    });
  },
};

export default [zodTrimmed, httpAsCommonJs];
