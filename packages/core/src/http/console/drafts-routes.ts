import { createRoute, type OpenAPIHono, type RouteConfig, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { csrf } from "hono/csrf";
import { html } from "hono/html";
import { DraftStateError } from "../../drafts/errors.ts";
import type { DraftFlow } from "../../drafts/flow.ts";
import type { Draft } from "../../drafts/model.ts";
import type { PasskeyApproval } from "../../drafts/passkey-approval.ts";
import type { DraftStore } from "../../drafts/store.ts";
import type { MemberStore, Passkeys } from "../../members/index.ts";
import { BroadcastForm } from "../api-schemas.ts";
import { limitBody } from "../body.ts";
import { actorOf } from "../caller.ts";
import type { DraftTestDeps } from "../draft-test-route.ts";
import { formPageErrors, htmlResponse, redirect, SESSION } from "../openapi.ts";
import { consoleDraftActionRoutes } from "./draft-action-routes.ts";
import { consoleDraftApprovalRoutes } from "./draft-approval-routes.ts";
import { draftForm, fieldsOf, type PostedDraft, readDraftForm } from "./draft-form.ts";
import { DRAFTS_PATH, draftBody, draftPath } from "./draft-page.ts";
import { draftNotFound, draftRefused, draftsBody } from "./drafts-page.ts";
import { consolePage } from "./layout.ts";
import { type MemberRouteDeps, memberForms, memberPageResponses, rolePage } from "./member-access.ts";
import { CSRF_FIELD } from "./session.ts";
import { auditedBySession, type SignedIn } from "./signed-in.ts";
import { webauthnPageHeaders } from "./webauthn.ts";

/** What the drafts' pages need of the stack: the same store, flow and test send as `/api/drafts`. */
export type ConsoleDraftDeps = {
  drafts: DraftStore;
  flow: DraftFlow;
  testSend: DraftTestDeps["testSend"];
  /** The drafting's one passkey approval (drafts/passkey-approval.ts), as the API's approve uses it. */
  passkeyApproval: PasskeyApproval;
};

export type DraftPageDeps = ConsoleDraftDeps &
  MemberRouteDeps & {
    members: Pick<MemberStore, "list">;
    /** The sign-in's passkeys: an approval asks for the approver's again. */
    passkeys: Passkeys;
    now: () => Date;
  };

// As the compose page's: 200 KiB of Markdown and 200 KiB of HTML, every byte percent-encoded.
const MAX_DRAFT_FORM_BYTES = 2 * 1024 * 1024;
export const DraftIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(100)
    .meta({ param: { name: "id", in: "path" } }),
});
const DraftForm = BroadcastForm.omit({ secretPin: true, archive: true }).extend({
  [CSRF_FIELD]: z.string(),
  sendAt: z.string().optional().meta({ description: "A local date and time, as `datetime-local` sends it" }),
  sendAtOffset: z.string().optional().meta({ description: "That time's UTC offset, as +02:00 or Z; absent, UTC" }),
  archive: z.literal("true").optional().meta({ description: "Ticked: in the public archive once sent" }),
});
const Csrf = z.object({ [CSRF_FIELD]: z.string() });
const WRITERS = ["compose", "approve"] as const;
/** What a route needs: a role, or either (to read a draft, as the API's `GET /api/drafts/{draftId}`). */
export type Needed = "compose" | "approve" | "read";

/**
 * The drafts' pages: listed, written (each save a revision), read, and deleted, by the same store
 * calls and audit records as `/api/drafts`; the approval's, the test send's and cancel's routes too.
 */
// biome-ignore lint/suspicious/noExplicitAny: the console's app, whatever routes it has typed already
export function consoleDraftRoutes(app: OpenAPIHono<any, any, any>, deps: DraftPageDeps) {
  const { drafts, members, audit, sessions, sessionPost, now } = deps;
  const { body, refused, post: smallPost } = memberForms(app, sessionPost);
  const draftRef = body("ConsoleDraft", DraftForm);
  const post = [limitBody(MAX_DRAFT_FORM_BYTES), csrf(), sessionPost];
  const formErrors = formPageErrors(MAX_DRAFT_FORM_BYTES);
  const notFound = htmlResponse("No draft has this id");
  const badId = htmlResponse("An id of no draft's form (over 100 characters)");
  const audited = async (c: Context, action: string, object: string) =>
    audit.record({ ...(await auditedBySession(c, sessions())), action, object });
  const render = async (c: Context, session: SignedIn, draft: Draft, posted?: PostedDraft) => {
    const active = (await members.list()).filter((member) => member.status === "active");
    const body = draftBody(session, draft, active, posted);
    return consolePage(c, { status: posted ? 400 : 200, title: draft.title, body, session });
  };
  const newPage = (c: Context, session: SignedIn, posted?: PostedDraft) => {
    const form = draftForm(session, posted?.fields ?? fieldsOf(), { action: DRAFTS_PATH, errors: posted?.errors });
    return consolePage(c, { status: posted ? 400 : 200, title: "New draft", body: form, session });
  };
  const route = (method: "get" | "post", path: string, rest: Omit<RouteConfig, "method" | "path">) =>
    createRoute({ ...rest, method, path, security: SESSION });
  const roles = (c: Context, needed: Needed) => rolePage(c, sessions(), needed === "read" ? [...WRITERS] : [needed]);
  const withDraft = async (c: Context, needed: Needed): Promise<{ session: SignedIn; draft: Draft } | Response> => {
    const session = await roles(c, needed);
    if (session instanceof Response) return session;
    const draft = await drafts.get(c.req.param("id")!);
    return draft ? { session, draft } : draftNotFound(c, session);
  };

  app.openapi(
    route("get", "/drafts", {
      operationId: "consoleDrafts",
      summary: "Every draft, newest first",
      description:
        'Title, state, send time, last update and who saved it; "New draft" for a member who composes. ' +
        "`compose` or `approve`. Without a session: to the login page.",
      responses: memberPageResponses,
    }),
    async (c) => {
      const session = await roles(c, "read");
      if (session instanceof Response) return session;
      return consolePage(c, { title: "Drafts", body: draftsBody(session, await drafts.list()), session });
    },
  );

  app.openapi(
    route("get", "/drafts/new", {
      operationId: "consoleNewDraft",
      summary: "Write a new draft",
      description: "The compose page's fields, a send time with its UTC offset, and the archive's box. `compose`.",
      responses: memberPageResponses,
    }),
    async (c) => {
      const session = await roles(c, "compose");
      return session instanceof Response ? session : newPage(c, session);
    },
  );

  app.openapi(
    route("post", "/drafts", {
      operationId: "consoleCreateDraft",
      summary: "Save a new draft",
      description:
        "Checked as `POST /api/drafts` checks it; nothing is sent. Then to its page. `compose`; needs the CSRF token.",
      middleware: post,
      request: { body: draftRef },
      responses: {
        303: redirect("To the draft's page"),
        400: htmlResponse("What is wrong, and the form"),
        403: refused,
        ...formErrors,
      },
    }),
    async (c) => {
      const session = await roles(c, "compose");
      if (session instanceof Response) return session;
      const posted = await readDraftForm(c, now());
      if (!posted.content) return newPage(c, session, posted);
      const draft = (await drafts.create(crypto.randomUUID(), posted.content, actorOf(session.caller), now()))!;
      await audited(c, "draft.saved", draft.draftId);
      return c.redirect(draftPath(draft.draftId), 303);
    },
  );

  app.openapi(
    route("get", "/drafts/{id}", {
      operationId: "consoleDraft",
      summary: "A draft",
      description:
        "Its state, send time (UTC), content hash, approvals, reach at approval and at start, revisions and, once " +
        'started, its broadcast. For `compose`: the form, "Ask for approval", the test send and Delete; for ' +
        '`approve`: Cancel and, on a pending draft another member asked for, "Approve with your passkey".',
      middleware: [webauthnPageHeaders()],
      request: { params: DraftIdParam },
      responses: { ...memberPageResponses, 400: badId, 404: notFound },
    }),
    async (c) => {
      const found = await withDraft(c, "read");
      return found instanceof Response ? found : render(c, found.session, found.draft);
    },
  );

  app.openapi(
    route("post", "/drafts/{id}", {
      operationId: "consoleSaveDraft",
      summary: "Save a draft's new content: the next revision",
      description:
        "As `PUT /api/drafts/{draftId}`: any change voids its approval request and approvals. Then back to its " +
        "page. `compose`; needs the session's CSRF token.",
      // Its 400 is the draft's page, which may carry the approval's button and script.
      middleware: [...post, webauthnPageHeaders()],
      request: { params: DraftIdParam, body: draftRef },
      responses: {
        303: redirect("To the draft's page"),
        400: htmlResponse("What is wrong, and the form; or an id over 100 characters"),
        403: refused,
        404: notFound,
        409: htmlResponse("It started or was cancelled, or another save came first"),
        ...formErrors,
      },
    }),
    async (c) => {
      const found = await withDraft(c, "compose");
      if (found instanceof Response) return found;
      const { session, draft } = found;
      const { draftId } = draft;
      const posted = await readDraftForm(c, now());
      if (!posted.content) return render(c, session, draft, posted);
      const saved = await drafts.save(draftId, posted.content, actorOf(session.caller), now());
      if (!saved) {
        const why = html`<p role="alert">The draft is ${draft.state}, or another save came first.</p>
<p><a href="${draftPath(draftId)}">Back to the draft</a></p>`;
        return consolePage(c, { status: 409, title: "Not saved", body: why, session });
      }
      if (saved !== "unchanged") await audited(c, "draft.saved", draftId);
      return c.redirect(draftPath(draftId), 303);
    },
  );

  app.openapi(
    route("post", "/drafts/{id}/delete", {
      operationId: "consoleDeleteDraft",
      summary: "Delete a draft that has not started",
      description:
        "With its content, as `DELETE /api/drafts/{draftId}`; then to the drafts. `compose`; needs the CSRF token.",
      middleware: smallPost,
      request: { params: DraftIdParam, body: body("ConsoleDraftAction", Csrf) },
      responses: {
        303: redirect(`To ${DRAFTS_PATH}`),
        400: badId,
        403: refused,
        404: notFound,
        409: htmlResponse("It started"),
        ...formPageErrors(4 * 1024),
      },
    }),
    async (c) => {
      const session = await roles(c, "compose");
      if (session instanceof Response) return session;
      const draftId = c.req.param("id")!;
      if (!(await drafts.remove(draftId))) {
        const draft = await drafts.get(draftId);
        if (!draft) return draftNotFound(c, session);
        return draftRefused(
          c,
          session,
          draftId,
          new DraftStateError(`The draft is ${draft.state}: it can no longer be deleted`),
        );
      }
      await audited(c, "draft.deleted", draftId);
      return c.redirect(DRAFTS_PATH, 303);
    },
  );
  consoleDraftActionRoutes(app, { ...deps, roles, withDraft, audited, params: DraftIdParam });
  consoleDraftApprovalRoutes(app, { ...deps, params: DraftIdParam });
}
