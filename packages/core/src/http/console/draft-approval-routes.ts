import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AuthenticationResponseJSON } from "@simplewebauthn/server";
import type { Context } from "hono";
import type { Member } from "../../members/index.ts";
import { readBody } from "../body.ts";
import { clientIp } from "../client-ip.ts";
import { ApiError } from "../errors.ts";
import { SESSION } from "../openapi.ts";
import { draftPath, draftRights } from "./draft-page.ts";
import type { DraftIdParam, DraftPageDeps } from "./drafts-routes.ts";
import {
  ApprovalAnswer,
  ceremonyBodies,
  jsonOrPage,
  nextResponse,
  optionsResponse,
  scriptPost,
  scriptPostErrors,
} from "./webauthn.ts";

/**
 * "Approve with your passkey": the sign-in's ceremony, for an approval. Options whose challenge is
 * bound to the member, the draft and its content hash, then the assertion; drafts/passkey-approval.ts
 * checks it and approves through the draft flow (refusing the requester), as on every path.
 */
export function consoleDraftApprovalRoutes(
  // biome-ignore lint/suspicious/noExplicitAny: the console's app, whatever routes it has typed already
  app: OpenAPIHono<any, any, any>,
  { passkeyApproval: approval, sessions, sessionPost, params }: DraftPageDeps & { params: typeof DraftIdParam },
) {
  const bodies = ceremonyBodies(app);
  /** The approving member: a member's session with the `approve` role; else a 403 in JSON. */
  const approver = async (c: Context): Promise<Member> => {
    const session = (await sessions().read(c))!;
    if (session.caller.kind !== "member")
      throw new ApiError(403, "ApproverNotMemberException", "Only a member approves, with its own passkey");
    if (!draftRights(session).approve)
      throw new ApiError(403, "MissingRoleException", "Approving needs the `approve` role");
    return session.caller.member;
  };
  const refusals = "No session, no token or the wrong one, another site, the PIN's session, or no `approve` role";

  app.openapi(
    createRoute({
      method: "post",
      path: "/drafts/{id}/approval/options",
      operationId: "consoleDraftApprovalOptions",
      security: SESSION,
      summary: "Options to approve a draft with a passkey",
      description:
        "WebAuthn request options for the member's own passkeys, user verification required; their challenge " +
        "(5 minutes, one answer) is bound to the member, the draft and its current content hash. The draft must " +
        "be pending. Needs the CSRF token.",
      middleware: [...scriptPost(), sessionPost],
      request: { params, body: bodies.options },
      responses: {
        200: optionsResponse,
        400: jsonOrPage("An id over 100 characters"),
        403: jsonOrPage(refusals),
        404: jsonOrPage("No draft has this id"),
        409: jsonOrPage("The draft is not pending"),
        ...scriptPostErrors,
      },
    }),
    async (c) => c.json(await approval.options(await approver(c), c.req.param("id")!), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/drafts/{id}/approval/verify",
      operationId: "consoleApproveDraft",
      security: SESSION,
      summary: "Approve a draft with a passkey",
      description:
        "Checks the assertion against its challenge (consumed by this first answer) for this member, draft and " +
        "content hash, then approves as `POST /api/drafts/{draftId}/approve`: not the requester, not an edited " +
        "draft, not an expired request. Once approved enough, it starts or waits for its send time. Refusals are " +
        "in the audit log (`draft.approval-refused`).",
      middleware: [...scriptPost(), sessionPost],
      request: { params, body: bodies.approval },
      responses: {
        200: nextResponse("Approved: back to the draft"),
        400: jsonOrPage("Not a WebAuthn answer, or an id over 100 characters"),
        403: jsonOrPage(`${refusals}; the assertion refused; or the requester's own approval`),
        404: jsonOrPage("No draft has this id"),
        409: jsonOrPage("Not pending, changed since, or the request expired"),
        ...scriptPostErrors,
      },
    }),
    async (c) => {
      const member = await approver(c);
      const parsed = ApprovalAnswer.safeParse(await readBody(c));
      if (!parsed.success) throw new ApiError(400, "InvalidWebAuthnAnswerException", "This is not a WebAuthn answer");
      const draftId = c.req.param("id")!;
      const { contentHash, response } = parsed.data;
      const assertion = response as unknown as AuthenticationResponseJSON;
      await approval.approve(member, draftId, contentHash, assertion, clientIp(c));
      return c.json({ redirect: draftPath(draftId) }, 200);
    },
  );
}
