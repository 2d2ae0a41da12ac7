import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { html } from "hono/html";
import { MAX_TOKEN_DAYS, narrowRoles, Roles, type Tokens } from "../../members/index.ts";
import { readBody } from "../body.ts";
import { htmlResponse, redirect, SESSION } from "../openapi.ts";
import { consolePage } from "./layout.ts";
import { type MemberRouteDeps, memberForms, memberPage, memberPageResponses, postedRoles } from "./member-access.ts";
import { CSRF_FIELD } from "./session.ts";
import { auditedBySession } from "./signed-in.ts";
import { createdBody, TOKENS_PATH, type TokenFields, tokensBody } from "./tokens.ts";

type Deps = MemberRouteDeps & { tokens: Tokens };

const TITLE = "Personal tokens";
const NewToken = z.object({
  [CSRF_FIELD]: z.string(),
  name: z.string().trim().min(1, "Give it a name").max(100, "A name of at most 100 characters"),
  roles: Roles,
  days: z.coerce
    .number()
    .int("Whole days")
    .min(1, "At least 1 day")
    .max(MAX_TOKEN_DAYS, `At most ${MAX_TOKEN_DAYS} days`),
});
const Revoke = z.object({ [CSRF_FIELD]: z.string() });
const TokenParam = z.object({ tokenId: z.uuid().meta({ param: { name: "tokenId", in: "path" } }) });
const LABELS: Record<string, string> = { name: "Name", roles: "Roles", days: "Days" };

/**
 * The signed-in member's personal tokens: listed (never their values), made (the value shown on
 * that one page, stored only as its hash) and revoked. A member's own: the PIN's session has none.
 */
export function consoleTokenRoutes(
  // biome-ignore lint/suspicious/noExplicitAny: the console's app, whatever routes it has typed already
  app: OpenAPIHono<any, any, any>,
  { tokens, audit, sessions, sessionPost }: Deps,
) {
  const { post, body, refused, formErrors } = memberForms(app, sessionPost);

  app.openapi(
    createRoute({
      method: "get",
      path: "/tokens",
      operationId: "consoleTokens",
      security: SESSION,
      summary: "The signed-in member's personal tokens",
      description:
        "Each token's name, roles, creation, expiry and last use, a Revoke button each, and the form that makes " +
        "one. Without a session: to the login page; the PIN's session: 403.",
      responses: memberPageResponses,
    }),
    async (c) => {
      const session = await memberPage(c, sessions());
      if (session instanceof Response) return session;
      const body = tokensBody(session, await tokens.list(session.caller.member.id));
      return consolePage(c, { title: TITLE, body, session });
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/tokens",
      operationId: "consoleCreateToken",
      security: SESSION,
      summary: "Make a personal token",
      description:
        `A name, roles among the member's own, and 1 to ${MAX_TOKEN_DAYS} days. The answer is the one page that ` +
        "shows the token's value, with how to use it; only its hash is kept. Needs the session's CSRF token.",
      middleware: post,
      request: { body: body("ConsoleNewToken", NewToken) },
      responses: {
        200: htmlResponse("The token, shown once"),
        400: htmlResponse("What is wrong, and the form"),
        403: refused,
        ...formErrors,
      },
    }),
    async (c) => {
      const session = await memberPage(c, sessions());
      if (session instanceof Response) return session;
      const { member, roles: held } = session.caller;
      const posted = (await readBody(c, { lists: ["roles"] })) as Record<string, unknown>;
      const text = (value: unknown) => (typeof value === "string" ? value : "");
      const fields: TokenFields = {
        name: text(posted.name),
        roles: postedRoles(posted),
        days: text(posted.days),
      };
      const parsed = NewToken.safeParse(posted);
      const errors = parsed.success
        ? []
        : parsed.error.issues.map(({ path, message }) => `${LABELS[String(path[0])] ?? "Form"}: ${message}`);
      const roles = parsed.success ? narrowRoles(held, parsed.data.roles) : [];
      if (parsed.success && roles.length < parsed.data.roles.length)
        errors.push(`Roles: a token carries only roles you hold (${held.join(", ")})`);
      if (!parsed.success || errors.length > 0) {
        const page = tokensBody(session, await tokens.list(member.id), fields, errors);
        return consolePage(c, { status: 400, title: TITLE, body: page, session });
      }
      const { token, record } = await tokens.create(member, { ...parsed.data, roles });
      await audit.record({
        ...(await auditedBySession(c, sessions())),
        action: "token.created",
        object: `${record.tokenId} ${record.name}`,
      });
      const origin = new URL(c.req.url).origin;
      return consolePage(c, { title: "Your new token", body: createdBody(token, record, origin), session });
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/tokens/{tokenId}/revoke",
      operationId: "consoleRevokeToken",
      security: SESSION,
      summary: "Revoke one of the member's personal tokens",
      description:
        "Deletes it: the API refuses it from the next request on. Then back to the tokens. Only the member's own " +
        "tokens: another's id is not found. Needs the session's CSRF token, sent from the console; else 403.",
      middleware: post,
      request: { params: TokenParam, body: body("ConsoleRevokeToken", Revoke) },
      responses: {
        303: redirect(`To ${TOKENS_PATH}`),
        400: htmlResponse("Not a token's id"),
        403: refused,
        ...formErrors,
        404: htmlResponse("None of the member's tokens has this id (revoked already?)"),
      },
    }),
    async (c) => {
      const session = await memberPage(c, sessions());
      if (session instanceof Response) return session;
      const { tokenId } = c.req.valid("param");
      if (!(await tokens.revoke(session.caller.member.id, tokenId))) {
        const gone = html`<p>None of your tokens has this id: it may be revoked already.</p>
<p><a href="${TOKENS_PATH}">Your tokens</a></p>`;
        return consolePage(c, { status: 404, title: "No such token", body: gone, session });
      }
      await audit.record({ ...(await auditedBySession(c, sessions())), action: "token.revoked", object: tokenId });
      return c.redirect(TOKENS_PATH, 303);
    },
  );
}
