import { createHash } from "node:crypto";
import type { Context } from "hono";
import { html, raw } from "hono/html";
import { secureHeaders } from "hono/secure-headers";
import type { HtmlEscapedString } from "hono/utils/html";
import type { ContentfulStatusCode } from "hono/utils/http-status";

const STYLE =
  "body{margin:0;font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#1f2328;line-height:1.5}" +
  "main{max-width:560px;margin:48px auto;padding:0 16px}" +
  "button{font:inherit;padding:8px 20px;border:0;border-radius:6px;background:#1f6feb;color:#fff;cursor:pointer}" +
  "strong{word-break:break-all}a{color:#0969da}section{margin-top:32px}h2{font-size:1.2em}" +
  "dl dt{font-weight:600}dl dd{margin:0 0 8px;overflow-wrap:anywhere}li{margin-bottom:8px;overflow-wrap:anywhere}" +
  ".note{color:#57606a}button.danger{background:#b42318}";
const STYLE_HASH = createHash("sha256").update(STYLE).digest("base64");

/** The `<head>`'s first tags, before the title, on every page (the API reference's too). */
export const HEAD_META = '<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">';

/** A page's exceptions to "nothing loads"; `overwrite: false` leaves headers a route set itself. */
export type PageHeaderOptions = { imgSrc?: string[]; scriptSrc?: string[]; connectSrc?: string[]; overwrite?: boolean };

/**
 * Headers of a server-rendered page: nothing but its one inline style (by hash) may load or run,
 * forms post only back here, no framing.
 */
export const strictPageHeaders = (
  styleHash: string,
  referrerPolicy: "no-referrer" | "same-origin",
  styleAttributeHashes: string[] = [],
  { imgSrc, scriptSrc, connectSrc, overwrite }: PageHeaderOptions = {},
) =>
  secureHeaders({
    ...(overwrite === false && { overwrite }),
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      ...(imgSrc && { imgSrc }),
      ...(scriptSrc && { scriptSrc }),
      ...(connectSrc && { connectSrc }),
      styleSrc: [
        `'sha256-${styleHash}'`,
        ...(styleAttributeHashes.length ? ["'unsafe-hashes'"] : []),
        ...styleAttributeHashes.map((hash) => `'sha256-${hash}'`),
      ],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
    },
    xFrameOptions: "DENY",
    referrerPolicy,
  });

/**
 * Headers of every page reached from a link in mail: the token in the URL never leaves as a
 * Referer. No cookie is ever set.
 */
export const pageHeaders = () => strictPageHeaders(STYLE_HASH, "no-referrer");

export type PageContent = HtmlEscapedString | Promise<HtmlEscapedString>;

/** A small self-contained HTML page; interpolations in `body` are escaped by `html`. */
export function page(
  c: Context,
  status: ContentfulStatusCode,
  title: string,
  body: PageContent,
  headers: Record<string, string> = {},
) {
  c.header("Cache-Control", "no-store");
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
  return c.html(
    html`<!doctype html>
<html lang="en">
<head>${raw(HEAD_META)}<title>${title}</title><style>${raw(STYLE)}</style></head>
<body><main><h1>${title}</h1>${body}</main></body>
</html>`,
    status,
  );
}

/** A button that posts `name=value` back to the page's own URL. */
export function postButton(label: string, name: string, value: string): PageContent {
  const input = html`<input type="hidden" name="${name}" value="${value}">`;
  return html`<form method="post">${input}<button type="submit">${label}</button></form>`;
}
