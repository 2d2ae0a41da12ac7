import { $, createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { csrf } from "hono/csrf";
import { html } from "hono/html";
import type { AuditLog } from "../../audit/index.ts";
import type { MemberStore, Passkeys, Tokens } from "../../members/index.ts";
import type { Overview } from "../../registration/counters.ts";
import type { RegistrationStore } from "../../registration/store.ts";
import { countTallies, type TalliesStore } from "../../tallies/snapshot.ts";
import type { UsageStore } from "../../usage/dynamo-store.ts";
import { limitBody, readBody } from "../body.ts";
import type { Auth } from "../caller.ts";
import { ApiError } from "../errors.ts";
import {
  FORM,
  formPageErrors,
  gatewayThrottled,
  htmlResponse,
  PUBLIC,
  redirect,
  SESSION,
  schemaRef,
} from "../openapi.ts";
import { type AllowedMethods, unmatched } from "../unmatched.ts";
import { consoleAuditRoutes } from "./audit-routes.ts";
import { type ConsoleBroadcastDeps, consoleBroadcastRoutes } from "./broadcast-routes.ts";
import { consoleComposeRoutes } from "./compose-routes.ts";
import { type ConsoleDraftDeps, consoleDraftRoutes } from "./drafts-routes.ts";
import type { EndedSessions } from "./ended-sessions.ts";
import { consoleError, consoleHeaders, consolePage } from "./layout.ts";
import { consoleMembersRoutes } from "./members-routes.ts";
import { overviewBody } from "./overview.ts";
import { consolePasskeyAreas, passkeySignIn } from "./passkey-areas.ts";
import { CONSOLE_PATH, CSRF_FIELD, createSessions, sessionKey } from "./session.ts";
import { type ConsoleSessions, signedInSessions } from "./signed-in.ts";
import { talliesBody } from "./tallies.ts";
import { consoleTokenRoutes } from "./token-routes.ts";
import { webauthnPageHeaders } from "./webauthn.ts";

export type ConsoleRoutesDeps = ConsoleBroadcastDeps &
  ConsoleDraftDeps & {
    /** The link-signing secret, from which the session key is derived. */
    tokenKey: string;
    auth: Auth;
    /** Once one is active, the PIN no longer opens the console; the members' page manages them. */
    members: MemberStore;
    /** The signed-in member's personal tokens. */
    tokens: Tokens;
    /** What the console's actions are recorded in, and the audit page reads. */
    audit: AuditLog;
    /** The members' passkeys: how they sign in. */
    passkeys: Passkeys;
    /** Every count of the overview, the registrations of each of these ISO weeks among them. */
    overview: (weeks: string[]) => Promise<Overview>;
    /** Sessions logged out before they expired. */
    endedSessions: EndedSessions;
    /** The versions page's scan, and the reach of a broadcast's audience. */
    registrations: Pick<RegistrationStore, "activeVersions" | "audienceReach">;
    usage: Pick<UsageStore, "snapshots">;
    /** The whole list's tallies, as the `Tallies` cron last counted them. */
    tallies: TalliesStore;
    /** What a wrong method is told it may use instead. */
    allowed: AllowedMethods;
    now: () => Date;
  };

const LOGIN_PATH = `${CONSOLE_PATH}/login`;
const MAX_FORM_BYTES = 4 * 1024;
const Login = z.object({ secretPin: z.string().meta({ format: "password" }) });
const Logout = z.object({ [CSRF_FIELD]: z.string() });

/**
 * The board's console, rendered on the server, no script: a login with the PIN (the PIN routes'
 * lockout and cross-site check), an overview of the list, and logout. Every POST must come from
 * this origin (`hono/csrf`) and, once signed in, carry its session's CSRF token; else 403.
 */
export function consoleRoutes({
  tokenKey,
  auth,
  members,
  passkeys,
  overview,
  endedSessions,
  registrations,
  usage,
  tallies,
  allowed,
  now,
  tokens,
  ...broadcasting
}: ConsoleRoutesDeps) {
  const app = $(new OpenAPIHono().use(consoleHeaders())).onError(consoleError);
  // Built on first use: an app made only to describe its routes has no key.
  let sessionsOnce: ConsoleSessions | undefined;
  const sessions = (): ConsoleSessions =>
    (sessionsOnce ??= signedInSessions(
      createSessions({ key: sessionKey(tokenKey), ended: endedSessions, now }),
      members,
    ));
  const pinClosed: MiddlewareHandler = async (_c, next) => {
    if (await members.anyActive())
      throw new ApiError(403, "PinClosedException", "This stack has members: the PIN no longer opens the console");
    await next();
  };
  const pinLogin: MiddlewareHandler = async (c, next) => {
    await auth.pin(c);
    await next();
  };

  const loginPage = createRoute({
    method: "get",
    path: "/login",
    operationId: "consoleLoginPage",
    security: PUBLIC,
    summary: "The console's login page",
    description:
      '"Sign in with a passkey" (the script of `GET /console/webauthn.js`), and one password field, the ' +
      "board's PIN, while the stack has no active member. Signed in already: to the overview.",
    middleware: [webauthnPageHeaders()],
    responses: { 200: htmlResponse("The page"), 303: redirect(`To ${CONSOLE_PATH}`), 429: gatewayThrottled },
  });
  app.openapi(loginPage, async (c) => {
    if (await sessions().read(c)) return c.redirect(CONSOLE_PATH, 303);
    const passkey = passkeySignIn();
    if (await members.anyActive()) return consolePage(c, { title: "Board console", body: passkey });
    const form = html`${passkey}<form method="post" action="${LOGIN_PATH}">
<label for="pin">PIN</label>
<p><input id="pin" name="secretPin" type="password" autocomplete="current-password" required></p>
<button type="submit">Log in</button></form>`;
    return consolePage(c, { title: "Board console", body: form });
  });

  const login = createRoute({
    method: "post",
    path: "/login",
    operationId: "consoleLogIn",
    security: PUBLIC,
    summary: "Log in to the console with the PIN",
    description:
      "A wrong PIN counts towards the PIN routes' lockout. The right one starts a session: a signed cookie " +
      "(HttpOnly, SameSite=Strict, Secure except on http://localhost, Path=/console, 8 hours).",
    middleware: [limitBody(MAX_FORM_BYTES), csrf(), pinClosed, pinLogin],
    request: { body: { required: true, content: { [FORM]: { schema: schemaRef(app, "ConsoleLogin", Login) } } } },
    responses: {
      303: redirect(`To ${CONSOLE_PATH}`),
      401: htmlResponse("Wrong PIN"),
      403: htmlResponse("Another site sent it, or the stack has members (the PIN no longer opens the console)"),
      ...formPageErrors(MAX_FORM_BYTES),
      429: htmlResponse("Locked out: too many wrong PINs"),
      503: htmlResponse("The PIN is not configured"),
    },
  });
  app.openapi(login, async (c) => {
    await sessions().start(c);
    return c.redirect(CONSOLE_PATH, 303);
  });

  /** A POST of a session: from this origin, with its session's token; else 403. */
  const sessionPost: MiddlewareHandler = async (c, next) => {
    const session = await sessions().read(c);
    const body = Logout.partial().safeParse(await readBody(c)).data;
    if (!session || !sessions().csrfMatches(session, body?.[CSRF_FIELD]))
      throw new ApiError(403, "ForbiddenException", "This form has expired or was not sent from the console");
    await next();
  };

  const logout = createRoute({
    method: "post",
    path: "/logout",
    operationId: "consoleLogOut",
    security: SESSION,
    summary: "Log out of the console",
    description: "Ends the session. Needs the session's CSRF token, sent from the console itself; else 403.",
    middleware: [limitBody(MAX_FORM_BYTES), csrf(), sessionPost],
    request: { body: { required: true, content: { [FORM]: { schema: schemaRef(app, "ConsoleLogout", Logout) } } } },
    responses: {
      303: redirect(`To ${LOGIN_PATH}`),
      403: htmlResponse("No session, no token or the wrong one, or another site"),
      ...formPageErrors(MAX_FORM_BYTES),
    },
  });
  app.openapi(logout, async (c) => {
    // sessionPost let it through: the session is there.
    const session = await sessions().read(c);
    if (session) await sessions().end(c, session);
    return c.redirect(LOGIN_PATH, 303);
  });

  const overviewPage = createRoute({
    method: "get",
    path: "/",
    operationId: "consoleOverview",
    security: SESSION,
    summary: "The console's overview",
    description:
      "Registrations, active, unsubscribed, bounced, complained; registrations per week over 52 weeks, from the " +
      "sharded counters (one BatchGetItem); active registrations by version and distribution and the usage " +
      "summary, as the `Tallies` cron last counted them (one GetItem). Without a session: to the login page.",
    responses: { 200: htmlResponse("The page"), 303: redirect(`To ${LOGIN_PATH}`), 429: gatewayThrottled },
  });
  app.openapi(overviewPage, async (c) => {
    const session = await sessions().read(c);
    if (!session) return c.redirect(LOGIN_PATH, 303);
    const body = await overviewBody({ overview, tallies }, now());
    return consolePage(c, { title: "Overview", body, session });
  });

  const versionsPage = createRoute({
    method: "get",
    path: "/versions",
    operationId: "consoleVersions",
    security: SESSION,
    summary: "The overview's tallies, counted now",
    description:
      "Active registrations by OpenEMR version and distribution (a scan of the whole list) and the usage summary " +
      "(every reporting site's snapshot), counted now rather than by the 15-minute `Tallies` cron, and kept for " +
      "the overview. Without a session: to the login page.",
    responses: { 200: htmlResponse("The page"), 303: redirect(`To ${LOGIN_PATH}`), 429: gatewayThrottled },
  });
  app.openapi(versionsPage, async (c) => {
    const session = await sessions().read(c);
    if (!session) return c.redirect(LOGIN_PATH, 303);
    const body = talliesBody(await countTallies({ registrations, usage, tallies }, now()), now());
    return consolePage(c, { title: "Versions and usage", body, session });
  });
  consolePasskeyAreas(app, { members, passkeys, audit: broadcasting.audit, sessions, sessionPost });
  // Before the broadcasts' pages: `/broadcasts/new` is not a broadcast's id.
  consoleComposeRoutes(app, { ...broadcasting, registrations, sessions, sessionPost, now });
  consoleBroadcastRoutes(app, { ...broadcasting, sessions, sessionPost, now });
  consoleTokenRoutes(app, { tokens, audit: broadcasting.audit, sessions, sessionPost });
  consoleMembersRoutes(app, { members, audit: broadcasting.audit, sessions, sessionPost });
  consoleAuditRoutes(app, { members, audit: broadcasting.audit, sessions });
  consoleDraftRoutes(app, { ...broadcasting, members, passkeys, sessions, sessionPost, now });
  // Last: Hono runs the handlers of a path in the order they were added.
  return app.all("*", unmatched(allowed));
}
