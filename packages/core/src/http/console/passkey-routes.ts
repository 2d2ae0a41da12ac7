import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { RegistrationResponseJSON } from "@simplewebauthn/server";
import type { Context, MiddlewareHandler } from "hono";
import { csrf } from "hono/csrf";
import { html } from "hono/html";
import type { AuditLog } from "../../audit/index.ts";
import type { Passkey, Passkeys } from "../../members/passkeys.ts";
import type { Member } from "../../members/store.ts";
import { limitBody, readBody } from "../body.ts";
import { FORM, formPageErrors, gatewayThrottled, htmlResponse, redirect, SESSION, schemaRef } from "../openapi.ts";
import { consolePage, csrfInput } from "./layout.ts";
import { CONSOLE_PATH, CSRF_FIELD } from "./session.ts";
import { auditedBySession, type ConsoleSessions, type SignedIn } from "./signed-in.ts";
import {
  ceremonyAnswer,
  ceremonyBodies,
  ceremonyButton,
  jsonOrPage,
  MAX_ANSWER_BYTES,
  nextResponse,
  optionsResponse,
  refuse,
  scriptPostErrors,
  webauthnPageHeaders,
  webauthnScript,
} from "./webauthn.ts";

export type PasskeyPageDeps = {
  passkeys: Pick<Passkeys, "list" | "remove" | "registrationOptions" | "verifyRegistration" | "add">;
  audit: Pick<AuditLog, "record">;
  sessions: () => ConsoleSessions;
  /** From this origin, with the session's CSRF token; else 403. */
  sessionPost: MiddlewareHandler;
};

const PATH = `${CONSOLE_PATH}/passkeys`;
const LOGIN_PATH = `${CONSOLE_PATH}/login`;
const MAX_FORM_BYTES = 4 * 1024;
const Remove = z.object({ [CSRF_FIELD]: z.string(), credentialId: z.string().min(1).max(1400) });
const NOT_A_MEMBER = "The PIN's session has no passkeys: sign in with a member's passkey";
const day = (at: string | undefined) => (at ? at.slice(0, 10) : "never");

function passkeyTable(passkeys: Passkey[], session: SignedIn) {
  const rows = passkeys.map(
    ({ credentialId, name, createdAt, lastUsedAt }) => html`<tr><td>${name}</td><td>${day(createdAt)}</td>
<td>${day(lastUsedAt)}</td><td><form method="post" action="${PATH}/remove">${csrfInput(session)}
<input type="hidden" name="credentialId" value="${credentialId}">
<button class="secondary">Remove</button></form></td></tr>`,
  );
  return html`<table><thead><tr><th>Name</th><th>Created</th><th>Last used</th><th></th></tr></thead>
<tbody>${rows}</tbody></table>`;
}

/**
 * The signed-in member's passkeys: listed, "Add a passkey" (the script), and "Remove" as a plain
 * form that works with scripts off. The last one stays: removing it would lock the member out
 * until an operator's `members reinvite`.
 */
// biome-ignore lint/suspicious/noExplicitAny: the console's app, whatever routes it has typed already
export function consolePasskeyRoutes(app: OpenAPIHono<any, any, any>, deps: PasskeyPageDeps) {
  const { passkeys, audit, sessions, sessionPost } = deps;
  const bodies = ceremonyBodies(app);
  const memberOf = (session: SignedIn): Member | undefined =>
    session.caller.kind === "member" ? session.caller.member : undefined;
  const render = async (c: Context, session: SignedIn, status: 200 | 409 = 200, note?: string) => {
    const member = memberOf(session);
    if (!member) return consolePage(c, { title: "Passkeys", body: html`<p>${NOT_A_MEMBER}.</p>`, session });
    const list = await passkeys.list(member.id);
    const body = html`${note ? html`<p class="error" role="alert">${note}</p>` : ""}${passkeyTable(list, session)}
<h2>Add a passkey</h2><label for="passkey-name">Name</label>
<p><input id="passkey-name" name="name" maxlength="60" placeholder="Laptop, phone, security key"></p>
<p>${ceremonyButton("Add a passkey", { kind: "register", path: `${PATH}/new`, csrf: session.csrf })}</p>
${webauthnScript}`;
    return consolePage(c, { status, title: "Passkeys", body, session });
  };

  const page = createRoute({
    method: "get",
    path: "/passkeys",
    operationId: "consolePasskeys",
    security: SESSION,
    summary: "The signed-in member's passkeys",
    description: "Name, created, last used, and Remove; Add a passkey. Without a session: to the login page.",
    middleware: [webauthnPageHeaders()],
    responses: { 200: htmlResponse("The page"), 303: redirect(`To ${LOGIN_PATH}`), 429: gatewayThrottled },
  });
  app.openapi(page, async (c) => {
    const session = await sessions().read(c);
    return session ? render(c, session) : c.redirect(LOGIN_PATH, 303);
  });

  const remove = createRoute({
    method: "post",
    path: "/passkeys/remove",
    operationId: "consoleRemovePasskey",
    security: SESSION,
    summary: "Remove one of the member's passkeys",
    description:
      "Refused from the next sign-in on. Not the member's last one (409): add another first. Needs the session's " +
      "CSRF token, sent from the console; else 403.",
    middleware: [limitBody(MAX_FORM_BYTES), csrf(), sessionPost, webauthnPageHeaders()],
    request: {
      body: { required: true, content: { [FORM]: { schema: schemaRef(app, "ConsoleRemovePasskey", Remove) } } },
    },
    responses: {
      303: redirect(`To ${PATH}`),
      400: htmlResponse("No passkey named"),
      403: htmlResponse("No session, no token or the wrong one, another site, or the PIN's session"),
      409: htmlResponse("The member's last passkey"),
      ...formPageErrors(MAX_FORM_BYTES),
    },
  });
  app.openapi(remove, async (c) => {
    const session = (await sessions().read(c))!;
    const member = memberOf(session);
    if (!member) return consolePage(c, { status: 403, title: "Refused", body: html`<p>${NOT_A_MEMBER}.</p>`, session });
    const fields = Remove.safeParse(await readBody(c));
    if (!fields.success)
      return consolePage(c, { status: 400, title: "No passkey", body: html`<p>Name one.</p>`, session });
    const { credentialId } = fields.data;
    const list = await passkeys.list(member.id);
    if (list.length <= 1 && list.some((passkey) => passkey.credentialId === credentialId))
      return render(c, session, 409, "This is your last passkey: add another before you remove it.");
    if (await passkeys.remove(member.id, credentialId))
      await audit.record({
        ...(await auditedBySession(c, sessions())),
        action: "passkey.removed",
        object: `passkey ${credentialId.slice(0, 16)}`,
      });
    return c.redirect(PATH, 303);
  });

  const options = createRoute({
    method: "post",
    path: "/passkeys/new/options",
    operationId: "consoleNewPasskeyOptions",
    security: SESSION,
    summary: "Options to add a passkey",
    description: "WebAuthn creation options for the signed-in member; its passkeys are excluded. Needs the CSRF token.",
    middleware: [limitBody(MAX_ANSWER_BYTES), csrf(), sessionPost],
    request: { body: bodies.options },
    responses: {
      200: optionsResponse,
      403: jsonOrPage("No session, no token or the wrong one, another site, or the PIN's session"),
      ...scriptPostErrors,
    },
  });
  app.openapi(options, async (c) => {
    const member = memberOf((await sessions().read(c))!);
    if (!member) return refuse(c, 403, "ForbiddenException", NOT_A_MEMBER);
    return c.json(await passkeys.registrationOptions(member), 200);
  });

  const verify = createRoute({
    method: "post",
    path: "/passkeys/new/verify",
    operationId: "consoleAddPasskey",
    security: SESSION,
    summary: "Add a passkey",
    description: "Checks the new credential against its challenge (consumed by this first answer) and stores it.",
    middleware: [limitBody(MAX_ANSWER_BYTES), csrf(), sessionPost],
    request: { body: bodies.answer },
    responses: {
      200: nextResponse("Added: back to the passkeys"),
      400: jsonOrPage("Not a WebAuthn answer"),
      403: jsonOrPage("Refused: the answer, no session, no token or the wrong one, another site, the PIN's session"),
      ...scriptPostErrors,
    },
  });
  app.openapi(verify, async (c) => {
    const member = memberOf((await sessions().read(c))!);
    if (!member) return refuse(c, 403, "ForbiddenException", NOT_A_MEMBER);
    const { response, name } = await ceremonyAnswer(c);
    const answer = response as unknown as RegistrationResponseJSON;
    const credential = await passkeys.verifyRegistration(member.id, answer);
    const count = credential && (await passkeys.list(member.id)).length;
    const passkey =
      credential && (await passkeys.add(member.id, credential, name?.trim() || `Passkey ${Number(count) + 1}`));
    if (!credential || !passkey) return refuse(c, 403, "PasskeyRefusedException", "This passkey's answer is refused");
    const object = `passkey ${credential.id.slice(0, 16)}`;
    await audit.record({ ...(await auditedBySession(c, sessions())), action: "passkey.added", object });
    return c.json({ redirect: PATH }, 200);
  });
}
