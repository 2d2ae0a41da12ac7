import type { OpenAPIHono } from "@hono/zod-openapi";
import { html } from "hono/html";
import { consoleInvitationRoutes, type InvitationDeps } from "./invitation-routes.ts";
import { consolePasskeyRoutes, type PasskeyPageDeps } from "./passkey-routes.ts";
import { consoleSignInRoutes, SIGN_IN_PATH, type SignInDeps } from "./sign-in-routes.ts";
import { ceremonyButton, webauthnScript, webauthnScriptRoute } from "./webauthn.ts";

/** The login page's "Sign in with a passkey", with the script it needs. */
export function passkeySignIn() {
  const button = ceremonyButton("Sign in with a passkey", { kind: "authenticate", path: SIGN_IN_PATH });
  return html`<p>${button}</p>${webauthnScript}`;
}

/**
 * Every passkey route of the console: the script, the sign-in, the invitation link and the member's
 * passkeys page (one call, so that the console's routes file stays short).
 */
export function consolePasskeyAreas(
  // biome-ignore lint/suspicious/noExplicitAny: the console's app, whatever routes it has typed already
  app: OpenAPIHono<any, any, any>,
  deps: SignInDeps & InvitationDeps & PasskeyPageDeps,
) {
  webauthnScriptRoute(app);
  consoleSignInRoutes(app, deps);
  consoleInvitationRoutes(app, deps);
  consolePasskeyRoutes(app, deps);
}
