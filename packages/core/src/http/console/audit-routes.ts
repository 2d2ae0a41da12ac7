import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { html } from "hono/html";
import { type AuditLog, PAGE_SIZE } from "../../audit/index.ts";
import type { MemberStore } from "../../members/index.ts";
import { htmlResponse, SESSION } from "../openapi.ts";
import { AUDIT_PATH, type AuditFields, auditBody, auditFilter } from "./audit.ts";
import { consolePage } from "./layout.ts";
import { memberPage, memberPageResponses } from "./member-access.ts";
import type { ConsoleSessions } from "./signed-in.ts";

type Deps = {
  audit: Pick<AuditLog, "page" | "verify">;
  members: Pick<MemberStore, "list">;
  sessions: () => ConsoleSessions;
};

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const day = (what: string) =>
  z
    .string()
    .optional()
    .meta({ description: `${what}: a UTC day, \`YYYY-MM-DD\`` });
// Documented as the form sends them; checked in the handler, so a bad one gets the console's own 400 page.
const AuditQuery = z.object({
  member: z.string().optional().meta({ description: "A member's id: only what it did" }),
  action: z.string().optional().meta({ description: "One action, as the log names it (`member.revoked`)" }),
  since: day("From"),
  until: day("To, included"),
  before: z.string().optional().meta({ description: 'Where the page starts: the "Next page" link\'s cursor' }),
});
const Checked = z.object({
  member: z.union([z.literal(""), z.uuid()]).default(""),
  action: z.string().max(100).default(""),
  since: z.union([z.literal(""), z.string().regex(DAY)]).default(""),
  until: z.union([z.literal(""), z.string().regex(DAY)]).default(""),
  before: z.union([z.literal(""), z.coerce.number().int().min(1)]).default(""),
});

/** The audit log for an `admin`: newest first, 50 a page, filtered, the chain checked on the first page. */
export function consoleAuditRoutes(
  // biome-ignore lint/suspicious/noExplicitAny: the console's app, whatever routes it has typed already
  app: OpenAPIHono<any, any, any>,
  { audit, members, sessions }: Deps,
) {
  app.openapi(
    createRoute({
      method: "get",
      path: "/audit",
      operationId: "consoleAuditLog",
      security: SESSION,
      summary: "The audit log",
      description:
        `Who did what, newest first, ${PAGE_SIZE} a page ("Next page" carries the cursor): when (UTC), who (a ` +
        "member, the PIN or the system), the action, its object and the IP; filtered by member, action and days. " +
        "The first page checks the whole chain of hashes (the CLI's `audit verify`). `admin` only; without a " +
        "session, to the login page.",
      request: { query: AuditQuery },
      responses: { ...memberPageResponses, 400: htmlResponse("A filter or cursor this page did not make") },
    }),
    async (c) => {
      const session = await memberPage(c, sessions(), "admin");
      if (session instanceof Response) return session;
      const checked = Checked.safeParse(c.req.query());
      if (!checked.success) {
        const body = html`<p role="alert">This filter is not one the page makes: a member from the list, days as
YYYY-MM-DD.</p><p><a href="${AUDIT_PATH}">The whole log</a></p>`;
        return consolePage(c, { status: 400, title: "Not a filter of the log", body, session });
      }
      const { before, ...fields } = checked.data;
      const cursor = before === "" ? undefined : before;
      const [page, everyone, verified] = await Promise.all([
        audit.page(auditFilter(fields as AuditFields, cursor)),
        members.list(),
        // The whole chain is read for it: once, on the first page, not on every page after.
        cursor === undefined ? audit.verify() : undefined,
      ]);
      return consolePage(c, {
        title: "Audit log",
        body: auditBody(page, fields, everyone, verified),
        session,
      });
    },
  );
}
