import { createHash } from "node:crypto";
import type { Context, ErrorHandler } from "hono";
import { html, raw } from "hono/html";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { EMAIL_STYLE_ATTRIBUTES } from "../../email/styles.ts";
import { rolesOf } from "../caller.ts";
import { errorResponse } from "../errors.ts";
import { JSON_TYPE } from "../openapi.ts";
import { HEAD_META, type PageContent, type PageHeaderOptions, strictPageHeaders } from "../pages.ts";
import { CONSOLE_PATH, CSRF_FIELD, type Session } from "./session.ts";
import type { SignedIn } from "./signed-in.ts";

const STYLE =
  "body{margin:0;font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#1f2328;line-height:1.5}" +
  "header{display:flex;gap:16px;align-items:center;padding:8px 16px;background:#f6f8fa;" +
  "border-bottom:1px solid #d0d7de}" +
  "header form{margin-left:auto}main{max-width:1000px;margin:24px auto;padding:0 16px}" +
  "button{font:inherit;padding:6px 16px;border:0;border-radius:6px;background:#1f6feb;color:#fff;cursor:pointer}" +
  "input{font:inherit;padding:6px;border:1px solid #8c959f;border-radius:6px}label{display:block;font-weight:600}" +
  "a{color:#0969da}.error{color:#b42318;font-weight:600}" +
  "dl.counts{display:flex;flex-wrap:wrap;gap:12px}" +
  "dl.counts div{border:1px solid #d0d7de;border-radius:6px;padding:8px 16px}" +
  "dl.counts dt{font-size:.85em;color:#57606a}dl.counts dd{margin:0;font-size:1.6em;font-weight:600}" +
  ".chart{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}.chart svg{max-width:100%;height:auto}" +
  "table{border-collapse:collapse;font-size:.9em}th,td{border:1px solid #d0d7de;padding:2px 8px;text-align:left}" +
  "td.n{text-align:right}.scroll{max-height:320px;overflow-y:auto}.paused{color:#9a6700;font-weight:600}" +
  "textarea{font:inherit;width:100%;box-sizing:border-box;padding:6px;border:1px solid #8c959f;border-radius:6px}" +
  ".compose input{width:100%;box-sizing:border-box}.compose input[type=checkbox]{width:auto}" +
  "fieldset{border:1px solid #d0d7de;border-radius:6px}" +
  "button.secondary{background:#57606a}.preview{display:flex;flex-wrap:wrap;gap:16px;align-items:stretch}" +
  ".preview iframe{flex:1 1 480px;min-height:420px;border:1px solid #d0d7de;border-radius:6px}" +
  ".preview pre{flex:1 1 300px;min-width:0;margin:0;padding:12px;white-space:pre-wrap;overflow-wrap:anywhere;" +
  "background:#f6f8fa;border-radius:6px}.wide{overflow-x:auto;max-width:100%}" +
  "dl.confirm dt{font-weight:600}dl.confirm dd{margin:0 0 8px;overflow-wrap:anywhere}" +
  "pre.content{white-space:pre-wrap}pre.content,h1{overflow-wrap:anywhere}" +
  "form.filter{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:flex-end}form.filter p{margin:4px 0 0}";
const sha256 = (text: string) => createHash("sha256").update(text).digest("base64");
const STYLE_HASH = sha256(STYLE);
// The compose page's preview frame inherits this CSP: the email's own styles, and no other, apply in it.
const EMAIL_STYLE_HASHES = EMAIL_STYLE_ATTRIBUTES.map(sha256);

/**
 * The console's headers: nothing but its one inline style (and the email's in a preview) loads, no
 * script at all, forms post only back here, no framing, no Referer leaves for another site. Not `no-referrer`: under it
 * browsers send `Origin: null` with a form, which the cross-site check rightly refuses.
 */
export const consoleHeaders = ({ overwrite = false, ...exceptions }: PageHeaderOptions = {}) =>
  // Not overwriting: a route's own headers (the passkey pages', which allow their script) stand.
  strictPageHeaders(STYLE_HASH, "same-origin", EMAIL_STYLE_HASHES, { overwrite, ...exceptions });

/** A table wider than a phone scrolls sideways in a region of its own, which the keyboard reaches. */
export const sideways = (label: string, table: PageContent) =>
  html`<div class="wide" role="region" aria-label="${label}" tabindex="0">${table}</div>`;

/** The hidden field that carries a session's CSRF token in a console form. */
export const csrfInput = (session: Session) => html`<input type="hidden" name="${CSRF_FIELD}" value="${session.csrf}">`;

/** A member's own pages, and an admin's: the PIN's session stands for no member and has none. */
function memberLinks({ caller }: SignedIn) {
  if (caller.kind !== "member") return "";
  const admin = caller.roles.includes("admin")
    ? html` · <a href="${CONSOLE_PATH}/members">Members</a> · <a href="${CONSOLE_PATH}/audit">Audit log</a>`
    : "";
  return html` · <a href="${CONSOLE_PATH}/tokens">Tokens</a> · <a href="${CONSOLE_PATH}/passkeys">Passkeys</a>${admin}`;
}

/** The drafts, for those who write or approve them. */
const draftLink = ({ caller }: SignedIn) =>
  rolesOf(caller).some((role) => role === "compose" || role === "approve")
    ? html` · <a href="${CONSOLE_PATH}/drafts">Drafts</a>`
    : "";

/** A console page: the navigation and "Log out" when signed in, never cached. */
export function consolePage(
  c: Context,
  {
    status = 200,
    title,
    body,
    session,
    refresh,
  }: { status?: ContentfulStatusCode; title: string; body: PageContent; session?: SignedIn; refresh?: number },
) {
  c.header("Cache-Control", "no-store");
  const logout = (session: Session) =>
    html`<form method="post" action="${CONSOLE_PATH}/logout">${csrfInput(session)}<button>Log out</button></form>`;
  const links = html`<a href="${CONSOLE_PATH}">Overview</a> ·
<a href="${CONSOLE_PATH}/versions">Versions and usage</a> ·
<a href="${CONSOLE_PATH}/broadcasts">Broadcasts</a> ·
<a href="${CONSOLE_PATH}/broadcasts/new">New broadcast</a>${session && draftLink(session)}${
    session && memberLinks(session)
  }`;
  // A page that follows work in progress reloads itself: no script, which the CSP forbids.
  const reload = refresh ? html`<meta http-equiv="refresh" content="${refresh}">` : "";
  const nav = session ? html`<header><nav aria-label="Console">${links}</nav>${logout(session)}</header>` : "";
  return c.html(
    html`<!doctype html>
<html lang="en">
<head>${raw(HEAD_META)}${reload}<title>${title} · OpenEMR registrations</title><style>${raw(STYLE)}</style></head>
<body>${nav}<main><h1>${title}</h1>${body}</main></body>
</html>`,
    status,
  );
}

const TITLES: Record<number, string> = {
  401: "Wrong PIN",
  403: "Refused",
  404: "Not found",
  405: "Not allowed",
  429: "Locked out for now",
};

/** What the console answers an error with: a page, or JSON to the passkey script (which shows the message). */
export const consoleError: ErrorHandler = (error, c) => {
  const { status, body, headers } = errorResponse(error);
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
  if (c.req.header("accept") === JSON_TYPE) return c.json(body, status);
  const again = html`<p>${body.message}.</p><p><a href="${CONSOLE_PATH}/login">Back to the login</a></p>`;
  return consolePage(c, { status, title: TITLES[status] ?? "Something went wrong", body: again });
};
