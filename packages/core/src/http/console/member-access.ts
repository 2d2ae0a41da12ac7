import type { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { csrf } from "hono/csrf";
import { html } from "hono/html";
import type { AuditLog } from "../../audit/index.ts";
import type { Member, Role } from "../../members/index.ts";
import { limitBody } from "../body.ts";
import { rolesOf } from "../caller.ts";
import { FORM, formPageErrors, gatewayThrottled, htmlResponse, redirect, schemaRef } from "../openapi.ts";
import { consolePage } from "./layout.ts";
import { CONSOLE_PATH } from "./session.ts";
import type { ConsoleSessions, SignedIn } from "./signed-in.ts";

export const LOGIN_PATH = `${CONSOLE_PATH}/login`;
/** A console session of a named member, with the roles it holds now. */
export type MemberSession = SignedIn & { caller: { kind: "member"; member: Member; roles: Role[] } };

/** What a member page's refusal says, for the OpenAPI document. */
export const REFUSED_SESSION =
  "The PIN's session (it stands for no member) or, for an admin page, a member without the `admin` role";

const MAX_FORM_BYTES = 4 * 1024;

/** What the member pages' routes are given besides their store. */
export type MemberRouteDeps = {
  audit: Pick<AuditLog, "record">;
  sessions: () => ConsoleSessions;
  /** From this origin, with the session's CSRF token; else 403. */
  sessionPost: MiddlewareHandler;
};

/** What a member page's GET answers: the page, the login without a session, 403 for another session. */
export const memberPageResponses = {
  200: htmlResponse("The page"),
  303: redirect(`To ${LOGIN_PATH}`),
  403: htmlResponse(REFUSED_SESSION),
  429: gatewayThrottled,
};

/**
 * What the member pages' forms share: their middleware (a size limit, this origin, the session's
 * CSRF token), their body as the document shows it, and the answers they may give besides their own.
 */
export function memberForms(
  // biome-ignore lint/suspicious/noExplicitAny: the console's app, whatever routes it has typed already
  app: OpenAPIHono<any, any, any>,
  sessionPost: MiddlewareHandler,
) {
  return {
    post: [limitBody(MAX_FORM_BYTES), csrf(), sessionPost],
    body: (name: string, schema: z.ZodType) => ({
      required: true,
      content: { [FORM]: { schema: schemaRef(app, name, schema) } },
    }),
    refused: htmlResponse(`No session, no token or the wrong one, or another site; or ${REFUSED_SESSION}`),
    formErrors: formPageErrors(MAX_FORM_BYTES),
  };
}

/** Why this session may not see the page: the PIN's stands for no one, and a member may lack the role. */
function refusal(session: SignedIn, role: Role | undefined): string | undefined {
  if (session.caller.kind === "PIN")
    return (
      "This page belongs to a named board member, and the PIN stands for no one. The operator adds the first " +
      "member with `npx oemr-reg members add`; from then on, members sign in with a passkey"
    );
  if (role && !session.caller.roles.includes(role))
    return `This page needs the \`${role}\` role, which you do not hold`;
  return undefined;
}

/**
 * The member signed in, for a page of its own (no `role`) or of `role`; else the answer to give:
 * without a session, to the login page; the PIN's session or a member without the role, a 403 page.
 */
export async function memberPage(
  c: Context,
  sessions: ConsoleSessions,
  role?: Role,
): Promise<MemberSession | Response> {
  const session = await sessions.read(c);
  if (!session) return c.redirect(LOGIN_PATH, 303);
  const why = refusal(session, role);
  return why ? refusedPage(c, session, why) : (session as MemberSession);
}

/**
 * The session signed in, when who it stands for holds one of `roles` (the PIN holds compose and
 * approve, as on the API); else the login page without a session, or a 403 page.
 */
export async function rolePage(c: Context, sessions: ConsoleSessions, roles: Role[]): Promise<SignedIn | Response> {
  const session = await sessions.read(c);
  if (!session) return c.redirect(LOGIN_PATH, 303);
  if (roles.some((role) => rolesOf(session.caller).includes(role))) return session;
  return refusedPage(c, session, `This page needs the \`${roles.join("` or `")}\` role, which you do not hold`);
}

const refusedPage = (c: Context, session: SignedIn, why: string) => {
  const body = html`<p role="alert">${why}.</p><p><a href="${CONSOLE_PATH}">Back to the overview</a></p>`;
  return consolePage(c, { status: 403, title: "Not for this session", body, session });
};

/** What is wrong with a posted form, under `heading`; nothing when nothing is. */
export const formErrors = (heading: string, errors: string[]) =>
  errors.length
    ? html`<div role="alert" id="errors"><p class="error">${heading}</p>
<ul>${errors.map((error) => html`<li class="error">${error}</li>`)}</ul></div>`
    : "";

/** A checkbox for each of `offered`, named `roles`, ticked when in `checked`. */
export const roleBoxes = (offered: readonly Role[], checked: readonly string[]) =>
  offered.map(
    (role) => html`<label><input type="checkbox" name="roles" value="${role}"
${checked.includes(role) ? "checked" : ""}> ${role}</label>`,
  );

/** The form's `roles` field, each value it was sent. */
export const postedRoles = (posted: Record<string, unknown>): string[] =>
  Array.isArray(posted.roles) ? posted.roles.map(String) : typeof posted.roles === "string" ? [posted.roles] : [];

/** Dates as the console shows them: UTC, to the minute. */
export function utc(at: string | number | undefined): string {
  if (at === undefined) return "—";
  const date = typeof at === "number" ? new Date(at * 1000) : new Date(at);
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
