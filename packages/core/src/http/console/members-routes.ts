import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { html } from "hono/html";
import { EmailAddress } from "../../address-schema.ts";
import { type Member, type MemberStore, Roles } from "../../members/index.ts";
import { readBody } from "../body.ts";
import { htmlResponse, redirect, SESSION } from "../openapi.ts";
import { consolePage } from "./layout.ts";
import {
  type MemberRouteDeps,
  type MemberSession,
  memberForms,
  memberPage,
  memberPageResponses,
  postedRoles,
} from "./member-access.ts";
import { invitationBody, MEMBERS_PATH, membersBody, NOT_YOURSELF } from "./members.ts";
import { CSRF_FIELD } from "./session.ts";
import { auditedBySession } from "./signed-in.ts";

type Deps = MemberRouteDeps & { members: MemberStore };

const TITLE = "Members";
const Csrf = z.object({ [CSRF_FIELD]: z.string() });
const Invite = Csrf.extend({
  name: z.string().trim().min(1, "Give a name").max(100, "A name of at most 100 characters"),
  email: EmailAddress,
  roles: Roles,
});
const SetRoles = Csrf.extend({ roles: Roles });
const MemberParam = z.object({ memberId: z.uuid().meta({ param: { name: "memberId", in: "path" } }) });
const LABELS: Record<string, string> = { name: "Name", email: "Email address", roles: "Roles" };
const issuesOf = (error: z.ZodError) =>
  error.issues.map(({ path, message }) => `${LABELS[String(path[0])] ?? "Form"}: ${message}`);

/**
 * The board's members, for an `admin`: listed (addresses masked), invited (the link shown once),
 * revoked, invited again after losing every passkey, and their roles changed; each one audited.
 */
export function consoleMembersRoutes(
  // biome-ignore lint/suspicious/noExplicitAny: the console's app, whatever routes it has typed already
  app: OpenAPIHono<any, any, any>,
  { members, audit, sessions, sessionPost }: Deps,
) {
  const { post, body, refused, formErrors } = memberForms(app, sessionPost);
  const csrfRef = body("ConsoleMemberAction", Csrf);
  const memberErrors = {
    400: htmlResponse("Not a member's id, or what is wrong with the form"),
    403: refused,
    ...formErrors,
    404: htmlResponse("No member has this id, or it is revoked"),
  };
  const audited = async (c: Context, action: string, object: string) =>
    audit.record({ ...(await auditedBySession(c, sessions())), action, object });
  const page = (c: Context, session: MemberSession, status: 200 | 400 | 404 | 409, title: string, text: string) =>
    consolePage(c, {
      status,
      title,
      session,
      body: html`<p role="alert">${text}.</p>
<p><a href="${MEMBERS_PATH}">Back to the members</a></p>`,
    });
  /** The member a form acts on: another one, not revoked; else the page that says why not. */
  const other = async (c: Context, session: MemberSession, memberId: string): Promise<Member | Response> => {
    if (memberId === session.caller.member.id) return page(c, session, 409, "Not yourself", NOT_YOURSELF);
    const member = await members.get(memberId);
    if (member && member.status !== "revoked") return member;
    return page(c, session, 404, "No such member", "No member has this id, or it is revoked already");
  };

  app.openapi(
    createRoute({
      method: "get",
      path: "/members",
      operationId: "consoleMembers",
      security: SESSION,
      summary: "The board's members",
      description:
        "Each member's name, masked address, status, creation and roles, with forms to change the roles, invite " +
        "again and revoke; and the invitation form. `admin` only. Without a session: to the login page.",
      responses: memberPageResponses,
    }),
    async (c) => {
      const session = await memberPage(c, sessions(), "admin");
      if (session instanceof Response) return session;
      return consolePage(c, { title: TITLE, body: membersBody(session, await members.list()), session });
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/members",
      operationId: "consoleInviteMember",
      security: SESSION,
      summary: "Invite a member",
      description:
        "A name, an email address and roles. The answer is the one page that shows the single-use invitation " +
        "link (24 hours); only its hash is kept. `admin` only; needs the session's CSRF token.",
      middleware: post,
      request: { body: body("ConsoleInvite", Invite) },
      responses: {
        200: htmlResponse("The invitation link, shown once"),
        400: htmlResponse("What is wrong, and the form"),
        403: refused,
        ...formErrors,
      },
    }),
    async (c) => {
      const session = await memberPage(c, sessions(), "admin");
      if (session instanceof Response) return session;
      const posted = (await readBody(c, { lists: ["roles"] })) as Record<string, unknown>;
      const parsed = Invite.safeParse(posted);
      if (!parsed.success) {
        const text = (value: unknown) => (typeof value === "string" ? value : "");
        const fields = { name: text(posted.name), email: text(posted.email), roles: postedRoles(posted) };
        const form = membersBody(session, await members.list(), fields, issuesOf(parsed.error));
        return consolePage(c, { status: 400, title: TITLE, body: form, session });
      }
      const { name, email, roles } = parsed.data;
      const { member, invitation } = await members.add({ name, email, roles });
      // The chain masks the address: the record says who was invited without holding it.
      await audited(c, "member.invited", `${member.id} ${member.email}`);
      const shown = invitationBody(member, invitation, new URL(c.req.url).origin);
      return consolePage(c, { title: "Invitation", body: shown, session });
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/members/{memberId}/revoke",
      operationId: "consoleRevokeMember",
      security: SESSION,
      summary: "Revoke a member",
      description:
        "At once: its sessions end, its tokens and passkeys are deleted. Then back to the members. Not oneself " +
        "(409): another admin must. `admin` only; needs the session's CSRF token.",
      middleware: post,
      request: { params: MemberParam, body: csrfRef },
      responses: {
        303: redirect(`To ${MEMBERS_PATH}`),
        ...memberErrors,
        409: htmlResponse("The member's own id: a member cannot revoke itself"),
      },
    }),
    async (c) => {
      const session = await memberPage(c, sessions(), "admin");
      if (session instanceof Response) return session;
      const member = await other(c, session, c.req.valid("param").memberId);
      if (member instanceof Response) return member;
      await members.revoke(member.id);
      await audited(c, "member.revoked", member.id);
      return c.redirect(MEMBERS_PATH, 303);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/members/{memberId}/reinvite",
      operationId: "consoleReinviteMember",
      security: SESSION,
      summary: "A new invitation for a member",
      description:
        "For a member who lost every passkey, or whose invitation expired: a new single-use link (24 hours), " +
        "shown once. `admin` only; needs the session's CSRF token.",
      middleware: post,
      request: { params: MemberParam, body: csrfRef },
      responses: {
        200: htmlResponse("The invitation link, shown once"),
        ...memberErrors,
        409: htmlResponse("The member's own id: another admin invites one again"),
      },
    }),
    async (c) => {
      const session = await memberPage(c, sessions(), "admin");
      if (session instanceof Response) return session;
      const member = await other(c, session, c.req.valid("param").memberId);
      if (member instanceof Response) return member;
      const invitation = await members.reinvite(member.id);
      if (!invitation) return page(c, session, 404, "No such member", "This member was revoked meanwhile");
      await audited(c, "member.reinvited", member.id);
      const shown = invitationBody(member, invitation, new URL(c.req.url).origin);
      return consolePage(c, { title: "Invitation", body: shown, session });
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/members/{memberId}/roles",
      operationId: "consoleSetMemberRoles",
      security: SESSION,
      summary: "Change a member's roles",
      description:
        "At least one role. Its sessions and tokens carry the new roles from their next request on (a token " +
        "never more than its member). Not one's own (409). `admin` only; needs the session's CSRF token.",
      middleware: post,
      request: { params: MemberParam, body: body("ConsoleMemberRoles", SetRoles) },
      responses: {
        303: redirect(`To ${MEMBERS_PATH}`),
        ...memberErrors,
        409: htmlResponse("The member's own id: a member cannot change its own roles"),
      },
    }),
    async (c) => {
      const session = await memberPage(c, sessions(), "admin");
      if (session instanceof Response) return session;
      const member = await other(c, session, c.req.valid("param").memberId);
      if (member instanceof Response) return member;
      const parsed = SetRoles.safeParse(await readBody(c, { lists: ["roles"] }));
      if (!parsed.success) return page(c, session, 400, "Roles not changed", issuesOf(parsed.error).join("; "));
      const changed = await members.setRoles(member.id, parsed.data.roles);
      if (!changed) return page(c, session, 404, "No such member", "This member was revoked meanwhile");
      await audited(c, "member.roles-changed", `${member.id} ${changed.roles.join(",")}`);
      return c.redirect(MEMBERS_PATH, 303);
    },
  );
}
