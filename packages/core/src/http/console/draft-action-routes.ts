import { createRoute, type OpenAPIHono, type RouteConfig, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { html } from "hono/html";
import type { Draft } from "../../drafts/model.ts";
import { TEST_SENDS_PER_HOUR, TestSendLimitError } from "../../drafts/test-send.ts";
import { readBody } from "../body.ts";
import { ContentHashBody } from "../draft-schemas.ts";
import { ApiError } from "../errors.ts";
import { htmlResponse, redirect, retryAfter, SESSION } from "../openapi.ts";
import { draftPath } from "./draft-page.ts";
import { draftRefused } from "./drafts-page.ts";
import type { DraftIdParam, DraftPageDeps, Needed } from "./drafts-routes.ts";
import { consolePage } from "./layout.ts";
import { memberForms } from "./member-access.ts";
import { CSRF_FIELD } from "./session.ts";
import { auditedBySession, type SignedIn } from "./signed-in.ts";

type Deps = DraftPageDeps & {
  /** The session when it holds the role, else the page to answer. */
  roles: (c: Context, needed: Needed) => Promise<SignedIn | Response>;
  /** The session and the draft of the path's id; else the page to answer. */
  withDraft: (c: Context, needed: Needed) => Promise<{ session: SignedIn; draft: Draft } | Response>;
  audited: (c: Context, action: string, object: string) => Promise<unknown>;
  params: typeof DraftIdParam;
};

const Csrf = z.object({ [CSRF_FIELD]: z.string() });
const AskApproval = Csrf.extend({ contentHash: ContentHashBody.shape.contentHash.optional() });
const TestSend = Csrf.extend({ memberIds: z.union([z.string(), z.array(z.string())]).optional() });
const MemberIds = z.array(z.string().min(1).max(64)).min(1, "Tick at least one member").max(10, "At most 10 members");

/**
 * A draft's steps besides saving: ask for approval, cancel, and send a test, each by the call the
 * API's route makes (the draft flow, `testSend`), audited as it is, then back to the draft.
 */
// biome-ignore lint/suspicious/noExplicitAny: the console's app, whatever routes it has typed already
export function consoleDraftActionRoutes(app: OpenAPIHono<any, any, any>, deps: Deps) {
  const { flow, testSend, sessions, sessionPost, roles, withDraft, audited, params, now } = deps;
  const { post, body, refused, formErrors } = memberForms(app, sessionPost);
  const common = {
    400: htmlResponse("An id over 100 characters, or what is wrong with the form"),
    403: refused,
    404: htmlResponse("No draft has this id"),
    ...formErrors,
  };
  const route = (path: string, rest: Omit<RouteConfig, "method" | "path">) =>
    createRoute({ ...rest, method: "post", path, security: SESSION, middleware: post });

  app.openapi(
    route("/drafts/{id}/request-approval", {
      operationId: "consoleRequestDraftApproval",
      summary: "Ask for approval of the draft's content",
      description:
        "As `POST /api/drafts/{draftId}/request-approval`, naming the hash the page showed: an edit meanwhile is " +
        "refused (409). The members who may approve are emailed. `compose`; needs the CSRF token.",
      request: { params, body: body("ConsoleAskApproval", AskApproval) },
      responses: { 303: redirect("To the draft's page"), ...common, 409: htmlResponse("Not open, or changed") },
    }),
    async (c) => {
      const session = await roles(c, "compose");
      if (session instanceof Response) return session;
      const draftId = c.req.param("id")!;
      const parsed = AskApproval.safeParse(await readBody(c));
      const { actor, ip } = await auditedBySession(c, sessions());
      try {
        await flow.requestApproval(draftId, actor, parsed.data?.contentHash, ip);
      } catch (error) {
        return draftRefused(c, session, draftId, error);
      }
      return c.redirect(draftPath(draftId), 303);
    },
  );

  app.openapi(
    route("/drafts/{id}/cancel", {
      operationId: "consoleCancelDraft",
      summary: "Cancel a draft that has not started: it never will",
      description: "As `POST /api/drafts/{draftId}/cancel`. `approve`; needs the session's CSRF token.",
      request: { params, body: body("ConsoleCancelDraft", Csrf) },
      responses: { 303: redirect("To the draft's page"), ...common, 409: htmlResponse("It started, or was cancelled") },
    }),
    async (c) => {
      const session = await roles(c, "approve");
      if (session instanceof Response) return session;
      const draftId = c.req.param("id")!;
      const { actor, ip } = await auditedBySession(c, sessions());
      try {
        await flow.cancel(draftId, actor, ip);
      } catch (error) {
        return draftRefused(c, session, draftId, error);
      }
      return c.redirect(draftPath(draftId), 303);
    },
  );

  app.openapi(
    route("/drafts/{id}/test", {
      operationId: "consoleTestSendDraft",
      summary: "Send a test of the draft to members",
      description:
        'As `POST /api/drafts/{draftId}/test`: the recipients\' MIME, "[Test] " in the subject, to the active ' +
        `members ticked, never an address; ${TEST_SENDS_PER_HOUR} an hour. The answer says the size, and warns ` +
        "over 100 KB. `compose`; needs the session's CSRF token.",
      request: { params, body: body("ConsoleTestSend", TestSend) },
      responses: {
        200: htmlResponse("Sent: how many, the size, and any warning"),
        ...common,
        429: { ...htmlResponse("This member's test sends this hour are spent"), headers: retryAfter },
      },
    }),
    async (c) => {
      const found = await withDraft(c, "compose");
      if (found instanceof Response) return found;
      const { session } = found;
      const { draftId } = found.draft;
      const posted = (await readBody(c, { lists: ["memberIds"] })) as { memberIds?: string | string[] };
      const memberIds = MemberIds.safeParse([posted.memberIds ?? []].flat());
      if (!memberIds.success)
        return draftRefused(
          c,
          session,
          draftId,
          new ApiError(400, "InvalidTestSendException", memberIds.error.issues[0]!.message),
        );
      const caller = session.caller.kind === "member" ? session.caller.member.id : "PIN";
      try {
        const result = await testSend(draftId, { caller, memberIds: memberIds.data, now: now() });
        await audited(c, "draft.test-sent", draftId);
        const warnings = result.warnings.map((warning) => html`<li class="error">${warning}</li>`);
        const body = html`<p id="test-result">Sent to ${result.sent} ${result.sent === 1 ? "member" : "members"},
"[Test]" in the subject. The largest email is ${Math.ceil(result.bytes / 1024)} KB.</p>
${warnings.length ? html`<ul role="alert" id="warnings">${warnings}</ul>` : html`<p>No warning.</p>`}
<p><a href="${draftPath(draftId)}">Back to the draft</a></p>`;
        return consolePage(c, { title: "Test sent", body, session });
      } catch (error) {
        if (!(error instanceof TestSendLimitError)) return draftRefused(c, session, draftId, error);
        const headers = { "Retry-After": String(error.retryAfterSeconds) };
        return draftRefused(
          c,
          session,
          draftId,
          new ApiError(429, "TooManyRequestsException", error.message, { headers }),
        );
      }
    },
  );
}
