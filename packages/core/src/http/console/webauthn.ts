import { createHash } from "node:crypto";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { csrf } from "hono/csrf";
import { html } from "hono/html";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ErrorBody } from "../api-schemas.ts";
import { limitBody, readBody } from "../body.ts";
import { ApiError } from "../errors.ts";
import { gatewayThrottled, JSON_TYPE, PUBLIC, schemaRef } from "../openapi.ts";
import { WebAuthnResponse } from "../webauthn-response.ts";
import { consoleHeaders } from "./layout.ts";
import { CONSOLE_PATH, CSRF_FIELD } from "./session.ts";
import { WEBAUTHN_SCRIPT } from "./webauthn-script.ts";

/** Where the passkey pages' one script is served, and its hash: the CSP allows it and nothing else. */
export const WEBAUTHN_SCRIPT_PATH = `${CONSOLE_PATH}/webauthn.js`;
const WEBAUTHN_SCRIPT_HASH = `sha256-${createHash("sha256").update(WEBAUTHN_SCRIPT).digest("base64")}`;

/**
 * The passkey pages' headers, as route middleware inside the console's: its CSP, and the script by
 * its hash (the tag carries it as `integrity`), which may fetch from this origin only.
 */
export const webauthnPageHeaders = () =>
  consoleHeaders({ overwrite: true, scriptSrc: [`'${WEBAUTHN_SCRIPT_HASH}'`], connectSrc: ["'self'"] });

/** The script's tag and the element it says what went wrong in, for a page behind `webauthnPageHeaders`. */
export const webauthnScript = html`<p id="webauthn-status" class="error" role="status" aria-live="polite"></p>
<script src="${WEBAUTHN_SCRIPT_PATH}" integrity="${WEBAUTHN_SCRIPT_HASH}" defer></script>`;

/**
 * A button the script runs a ceremony from: its options' URL, its answer's URL, the session's CSRF
 * token and, for an approval, the content hash it approves. Disabled until the script runs.
 */
export const ceremonyButton = (
  label: string,
  {
    kind,
    path,
    csrf = "",
    hash = "",
  }: { kind: "register" | "authenticate" | "approve"; path: string; csrf?: string; hash?: string },
) =>
  html`<button type="button" data-webauthn="${kind}" data-options="${path}/options" data-verify="${path}/verify"
data-csrf="${csrf}" data-hash="${hash}" disabled>${label}</button>`;

/** What the script posts for options, and with the browser's answer. */
export const OptionsAsked = z.object({ [CSRF_FIELD]: z.string().optional() });
export const CeremonyAnswer = z.object({
  [CSRF_FIELD]: z.string().optional(),
  /** A new passkey's name; a sign-in sends none. */
  name: z.string().max(60).optional(),
  response: WebAuthnResponse,
});
export type CeremonyAnswer = z.infer<typeof CeremonyAnswer>;
/** An approval's answer: the assertion, and the content hash its challenge was bound to. */
export const ApprovalAnswer = CeremonyAnswer.extend({
  contentHash: z.string().regex(/^[0-9a-f]{64}$/, "The draft's contentHash: 64 hex digits"),
});

/** The ceremony's answer, parsed; a 400 in the API's error shape when it is not one. */
export async function ceremonyAnswer(c: Context): Promise<CeremonyAnswer> {
  const parsed = CeremonyAnswer.safeParse(await readBody(c));
  if (!parsed.success) throw new ApiError(400, "InvalidWebAuthnAnswerException", "This is not a WebAuthn answer");
  return parsed.data;
}

/** A JSON answer of the script's: where to go next. */
export const Next = z.object({ redirect: z.string() });
export const nextResponse = (description: string) => ({
  description,
  content: { [JSON_TYPE]: { schema: Next } },
});
/** An answer the script reads: JSON for it (it asks with `Accept: application/json`), a page for anyone else. */
export const jsonOrPage = (description: string) => ({
  description,
  content: { [JSON_TYPE]: { schema: ErrorBody }, "text/html": { schema: { type: "string" as const } } },
});
/** What the script's posts may answer besides their own, as `formPageErrors` for a form. */
export const MAX_ANSWER_BYTES = 16 * 1024;
/**
 * What every POST of the script passes first: a bounded JSON body from this origin. The options
 * routes read nothing of their body, so without this a body of another type would go unrefused.
 */
export const scriptPost = (): MiddlewareHandler[] => [
  limitBody(MAX_ANSWER_BYTES),
  csrf(),
  async function jsonOnly(c, next) {
    const mediaType = c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase();
    if (mediaType !== JSON_TYPE)
      throw new ApiError(415, "UnsupportedMediaTypeException", `Send the body as ${JSON_TYPE}`);
    await next();
  },
];
export const scriptPostErrors = {
  413: jsonOrPage(`A body over ${MAX_ANSWER_BYTES} bytes`),
  415: jsonOrPage("Not JSON"),
};
/** The WebAuthn options the script hands to the browser. */
export const optionsResponse = {
  description: "The options",
  content: { [JSON_TYPE]: { schema: { type: "object" as const } } },
};
/** A refusal of the script's routes, as JSON. */
export const refuse = (c: Context, status: ContentfulStatusCode, error: string, message: string) =>
  c.json({ error, message }, status);

/** Request bodies of the script's two posts, registered once as components. */
export function ceremonyBodies(app: OpenAPIHono) {
  const ref = (name: string, schema: z.ZodType) => ({
    required: true,
    content: { [JSON_TYPE]: { schema: schemaRef(app, name, schema) } },
  });
  return {
    options: ref("WebAuthnOptionsAsked", OptionsAsked),
    answer: ref("WebAuthnAnswer", CeremonyAnswer),
    approval: ref("WebAuthnApproval", ApprovalAnswer),
  };
}

/** `GET /console/webauthn.js`: the one script, for the pages whose CSP allows it. */
// biome-ignore lint/suspicious/noExplicitAny: the console's app, whatever routes it has typed already
export function webauthnScriptRoute(app: OpenAPIHono<any, any, any>) {
  const script = createRoute({
    method: "get",
    path: "/webauthn.js",
    operationId: "consoleWebAuthnScript",
    security: PUBLIC,
    summary: "The passkey pages' script",
    description:
      "Built from `@simplewebauthn/browser` (`npm run build:console-script`). Only the invitation, login and " +
      "passkeys pages allow it, by its hash; every other page of the console runs no script.",
    responses: {
      200: {
        description: "The script",
        headers: {
          "Cache-Control": { description: "Cacheable for an hour", required: true, schema: { type: "string" } },
        },
        content: { "application/javascript": { schema: { type: "string" } } },
      },
      429: gatewayThrottled,
    },
  });
  app.openapi(script, (c) =>
    c.body(WEBAUTHN_SCRIPT, 200, {
      "content-type": "application/javascript; charset=utf-8",
      "cache-control": "public, max-age=3600",
    }),
  );
}
