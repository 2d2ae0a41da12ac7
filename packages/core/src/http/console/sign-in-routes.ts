import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AuthenticationResponseJSON } from "@simplewebauthn/server";
import { csrf } from "hono/csrf";
import type { AuditLog } from "../../audit/index.ts";
import type { Passkeys } from "../../members/passkeys.ts";
import { limitBody } from "../body.ts";
import { clientIp } from "../client-ip.ts";
import { PUBLIC } from "../openapi.ts";
import { CONSOLE_PATH } from "./session.ts";
import type { ConsoleSessions } from "./signed-in.ts";
import {
  ceremonyAnswer,
  ceremonyBodies,
  jsonOrPage,
  MAX_ANSWER_BYTES,
  nextResponse,
  optionsResponse,
  refuse,
  scriptPostErrors,
} from "./webauthn.ts";

export type SignInDeps = {
  passkeys: Pick<Passkeys, "authenticationOptions" | "authenticate">;
  audit: Pick<AuditLog, "record">;
  sessions: () => ConsoleSessions;
};

export const SIGN_IN_PATH = `${CONSOLE_PATH}/login/passkey`;

/**
 * "Sign in with a passkey" (the login page's button and the script): options for any passkey of
 * this site, then the browser's assertion; a good one starts the member's session. Both posts come
 * from this origin (`hono/csrf`); no session exists yet, and the single-use challenge is the proof.
 */
// biome-ignore lint/suspicious/noExplicitAny: the console's app, whatever routes it has typed already
export function consoleSignInRoutes(app: OpenAPIHono<any, any, any>, { passkeys, audit, sessions }: SignInDeps) {
  const bodies = ceremonyBodies(app);
  const options = createRoute({
    method: "post",
    path: "/login/passkey/options",
    operationId: "consolePasskeySignInOptions",
    security: PUBLIC,
    summary: "Options to sign in with a passkey",
    description:
      "WebAuthn request options for a discoverable credential of this site, user verification required; " +
      "their challenge is kept 5 minutes, for one answer.",
    middleware: [limitBody(MAX_ANSWER_BYTES), csrf()],
    request: { body: bodies.options },
    responses: {
      200: optionsResponse,
      403: jsonOrPage("Sent from another site"),
      ...scriptPostErrors,
    },
  });
  app.openapi(options, async (c) => c.json(await passkeys.authenticationOptions(), 200));

  const verify = createRoute({
    method: "post",
    path: "/login/passkey/verify",
    operationId: "consolePasskeySignIn",
    security: PUBLIC,
    summary: "Sign in with a passkey",
    description:
      "Checks the assertion: its challenge (consumed by this first answer, whether it passes or not), origin, " +
      "relying party, user verification and signature; the passkey's member must be active. Then starts the " +
      "member's session, as the PIN login does, and answers where to go. Every refusal is in the audit log.",
    middleware: [limitBody(MAX_ANSWER_BYTES), csrf()],
    request: { body: bodies.answer },
    responses: {
      200: nextResponse("Signed in: go to the console"),
      400: jsonOrPage("Not a WebAuthn answer"),
      403: jsonOrPage("Refused: an unknown, removed or revoked passkey, a used or expired challenge, or another site"),
      ...scriptPostErrors,
    },
  });
  app.openapi(verify, async (c) => {
    const { response } = await ceremonyAnswer(c);
    const result = await passkeys.authenticate(response as unknown as AuthenticationResponseJSON);
    const ip = clientIp(c);
    if ("refused" in result) {
      const object = result.memberId ? `${result.refused} (member ${result.memberId})` : result.refused;
      await audit.record({ actor: { kind: "system" }, action: "signin.refused", object, ip });
      return refuse(c, 403, "PasskeyRefusedException", "This passkey does not open the console");
    }
    const { member, credentialId } = result;
    await sessions().start(c, member.id);
    const actor = { kind: "member" as const, id: member.id, name: member.name };
    await audit.record({ actor, action: "signin.passkey", object: `passkey ${credentialId.slice(0, 16)}`, ip });
    return c.json({ redirect: CONSOLE_PATH }, 200);
  });
}
