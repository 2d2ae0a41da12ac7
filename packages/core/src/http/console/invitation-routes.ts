import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { RegistrationResponseJSON } from "@simplewebauthn/server";
import type { Context } from "hono";
import { csrf } from "hono/csrf";
import { html } from "hono/html";
import type { AuditLog } from "../../audit/index.ts";
import type { Passkeys } from "../../members/passkeys.ts";
import { type MemberStore, tokenHash } from "../../members/store.ts";
import { limitBody } from "../body.ts";
import { clientIp } from "../client-ip.ts";
import { htmlResponse, PUBLIC } from "../openapi.ts";
import { consolePage } from "./layout.ts";
import { CONSOLE_PATH } from "./session.ts";
import type { ConsoleSessions } from "./signed-in.ts";
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

export type InvitationDeps = {
  members: Pick<MemberStore, "get" | "invitation" | "accept">;
  passkeys: Pick<Passkeys, "registrationOptions" | "verifyRegistration" | "add">;
  audit: Pick<AuditLog, "record">;
  sessions: () => ConsoleSessions;
};

/** What `members add` and `members reinvite` put in the link: 24 random bytes, base64url. */
const TOKEN = /^[A-Za-z0-9_-]{32}$/;
const TokenParam = z.object({
  token: z.string().meta({ param: { name: "token", in: "path" }, description: "The invitation link's token" }),
});
const GONE = "This invitation was used already, or has expired, or never was: ask a board member for a new one";

/**
 * An invitation link (`oemr-reg members add` or `reinvite` prints it): who is invited and
 * "Create passkey". The passkey's answer takes the invitation, once, and signs the member in.
 */
// biome-ignore lint/suspicious/noExplicitAny: the console's app, whatever routes it has typed already
export function consoleInvitationRoutes(app: OpenAPIHono<any, any, any>, deps: InvitationDeps) {
  const { members, passkeys, audit, sessions } = deps;
  const bodies = ceremonyBodies(app);
  /** The invited member, while the link's invitation is still open. */
  const invited = async (token: string) => {
    const invitation = TOKEN.test(token) ? await members.invitation(token) : undefined;
    const member = invitation && (await members.get(invitation.memberId));
    return member?.status === "revoked" ? undefined : member;
  };
  const gonePage = (c: Context) =>
    consolePage(c, { status: 410, title: "Invitation closed", body: html`<p>${GONE}.</p>` });

  const page = createRoute({
    method: "get",
    path: "/invitation/{token}",
    operationId: "consoleInvitationPage",
    security: PUBLIC,
    summary: "An invitation to the board's console",
    description:
      'Who is invited, and "Create passkey" (the one script of `GET /console/webauthn.js`). A link used ' +
      "already, expired (24 hours) or unknown: 410.",
    middleware: [webauthnPageHeaders()],
    request: { params: TokenParam },
    responses: { 200: htmlResponse("The page"), 410: htmlResponse("Used, expired or unknown") },
  });
  app.openapi(page, async (c) => {
    const { token } = c.req.valid("param");
    const member = await invited(token);
    if (!member) return gonePage(c);
    const path = `${CONSOLE_PATH}/invitation/${token}`;
    const body = html`<p>${member.name} (${member.email}) is invited to the console, as ${member.roles.join(", ")}.</p>
<p>A passkey signs you in: your device asks for your fingerprint, face or PIN. The link works once.</p>
<p>${ceremonyButton("Create passkey", { kind: "register", path })}</p>${webauthnScript}`;
    return consolePage(c, { title: "Join the board's console", body });
  });

  const options = createRoute({
    method: "post",
    path: "/invitation/{token}/options",
    operationId: "consoleInvitationPasskeyOptions",
    security: PUBLIC,
    summary: "Options to create the invited member's passkey",
    description: "WebAuthn creation options, a discoverable credential with user verification; the invitation stays.",
    middleware: [limitBody(MAX_ANSWER_BYTES), csrf()],
    request: { params: TokenParam, body: bodies.options },
    responses: {
      200: optionsResponse,
      403: jsonOrPage("Sent from another site"),
      410: jsonOrPage("Used, expired or unknown"),
      ...scriptPostErrors,
    },
  });
  app.openapi(options, async (c) => {
    const { token } = c.req.valid("param");
    const member = await invited(token);
    if (!member) return refuse(c, 410, "InvitationGoneException", GONE);
    return c.json(await passkeys.registrationOptions(member, tokenHash(token)), 200);
  });

  const verify = createRoute({
    method: "post",
    path: "/invitation/{token}/verify",
    operationId: "consoleAcceptInvitation",
    security: PUBLIC,
    summary: "Accept the invitation with a new passkey",
    description:
      "Checks the new credential against its challenge (consumed by this first answer), origin and relying " +
      "party; then takes the invitation (single-use), stores the passkey and starts the member's session.",
    middleware: [limitBody(MAX_ANSWER_BYTES), csrf()],
    request: { params: TokenParam, body: bodies.answer },
    responses: {
      200: nextResponse("Joined: go to the console"),
      400: jsonOrPage("Not a WebAuthn answer"),
      403: jsonOrPage("The passkey's answer is refused, or another site sent it"),
      410: jsonOrPage("Used, expired or unknown"),
      ...scriptPostErrors,
    },
  });
  app.openapi(verify, async (c) => {
    const { token } = c.req.valid("param");
    const { response, name } = await ceremonyAnswer(c);
    const member = await invited(token);
    if (!member) return refuse(c, 410, "InvitationGoneException", GONE);
    const answer = response as unknown as RegistrationResponseJSON;
    const credential = await passkeys.verifyRegistration(member.id, answer, tokenHash(token));
    if (!credential) return refuse(c, 403, "PasskeyRefusedException", "This passkey's answer is refused: try again");
    if (!(await members.accept(token))) return refuse(c, 410, "InvitationGoneException", GONE);
    const passkey = await passkeys.add(member.id, credential, name?.trim() || "First passkey");
    if (!passkey) return refuse(c, 403, "PasskeyRefusedException", "This passkey is registered already");
    const [actor, ip] = [{ kind: "member" as const, id: member.id, name: member.name }, clientIp(c)];
    await audit.record({ actor, action: "invitation.accepted", object: `member ${member.id}`, ip });
    await audit.record({ actor, action: "passkey.added", object: `passkey ${credential.id.slice(0, 16)}`, ip });
    await sessions().start(c, member.id);
    return c.json({ redirect: CONSOLE_PATH }, 200);
  });
}
