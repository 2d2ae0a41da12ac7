import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AuthenticationResponseJSON } from "@simplewebauthn/server";
import type { Context } from "hono";
import type { PasskeyApproval } from "../drafts/passkey-approval.ts";
import type { Member } from "../members/index.ts";
import { limitBody, readBody } from "./body.ts";
import { type Auth, auditedBy } from "./caller.ts";
import { ContentHashBody } from "./draft-schemas.ts";
import { ApiError, invalidInput } from "./errors.ts";
import { JSON_TYPE, jsonError, PIN_ERRORS, PIN_OR_TOKEN, schemaRef } from "./openapi.ts";
import { WebAuthnResponse } from "./webauthn-response.ts";

const MAX_APPROVAL_BYTES = 16 * 1024;

/** The hash the member approves and its passkey's assertion over the challenge bound to it. */
export const ApproveBody = ContentHashBody.extend({
  assertion: WebAuthnResponse.meta({
    description:
      "The approver's passkey's AuthenticationResponseJSON, answering the options of `approval-options` " +
      "(e.g. `startAuthentication` of `@simplewebauthn/browser`)",
  }),
});

const ApprovalOptions = z.object({
  contentHash: z.string().meta({ description: "The draft's content hash the challenge is bound to: name it back" }),
  // Open objects: the library may add fields (extensions, hints) the browser takes.
  options: z
    .object({
      challenge: z.string(),
      rpId: z.string().optional(),
      allowCredentials: z.array(z.object({ id: z.string(), type: z.string() })).optional(),
      userVerification: z.string().optional(),
      timeout: z.number().optional(),
    })
    .meta({
      description: "PublicKeyCredentialRequestOptionsJSON for `navigator.credentials.get`: the member's passkeys",
    }),
});

export type DraftApprovalDeps = { auth: Auth; passkeyApproval: PasskeyApproval };

/** The member calling: the PIN is no one, and approves nothing. */
function approvingMember(c: Context): Member {
  const caller = c.get("caller");
  if (caller.kind !== "member")
    throw new ApiError(403, "ApproverNotMemberException", "Only a member approves: send a personal token");
  return caller.member;
}

/**
 * `approval-options` and `approve`: a draft is approved only with the approver's passkey, over a
 * challenge bound to the member, the draft and its content hash (drafts/passkey-approval.ts), so
 * that a stolen token or session cookie alone approves nothing.
 */
export function draftApprovalRoutes(app: OpenAPIHono, { auth, passkeyApproval }: DraftApprovalDeps) {
  // Typed loosely, as the other draft routes: the Draft answers by its registered component.
  const route = (config: object) => createRoute(config as Parameters<typeof createRoute>[0]);
  const Params = z.object({ draftId: z.string().meta({ param: { name: "draftId", in: "path" } }) });
  const draftRef = { $ref: "#/components/schemas/Draft" };
  const refused = "; ApproverNotMemberException: the PIN; MissingRoleException";

  app.openapi(
    route({
      method: "post",
      path: "/{draftId}/approval-options",
      operationId: "draftApprovalOptions",
      summary: "WebAuthn options to approve the draft's current content with one's passkey",
      description:
        "A challenge bound to the calling member, the draft and its current content hash, single-use. Sign it with " +
        "one of the member's passkeys (`navigator.credentials.get`) and send the assertion to `approve`.",
      security: PIN_OR_TOKEN,
      middleware: [limitBody(MAX_APPROVAL_BYTES), auth.need("approve")],
      request: { params: Params },
      responses: {
        200: { description: "The options", content: { [JSON_TYPE]: { schema: ApprovalOptions } } },
        404: jsonError("DraftNotFoundException"),
        409: jsonError("DraftStateException: the draft is not pending"),
        ...PIN_ERRORS,
        403: jsonError(`MissingRoleException${refused}`),
      },
    }),
    async (c) => c.json(await passkeyApproval.bound(approvingMember(c), c.req.param("draftId")!), 200),
  );

  app.openapi(
    route({
      method: "post",
      path: "/{draftId}/approve",
      operationId: "approveDraft",
      summary: "Approve the draft's content, named by its hash, with the approver's passkey",
      description:
        "A member with the `approve` role other than the requester, with its passkey's assertion over the options " +
        "of `approval-options` (the PIN is no one, and cannot approve; a token alone does not). Once the stage's " +
        "APPROVALS_REQUIRED unexpired approvals of this hash are in, it starts, or waits for its sendAt.",
      security: PIN_OR_TOKEN,
      middleware: [limitBody(MAX_APPROVAL_BYTES), auth.need("approve")],
      request: {
        params: Params,
        body: { required: true, content: { [JSON_TYPE]: { schema: schemaRef(app, "ApproveBody", ApproveBody) } } },
      },
      responses: {
        200: {
          description: "Approved: still pending, scheduled, or started",
          content: { [JSON_TYPE]: { schema: draftRef } },
        },
        400: jsonError("PasskeyAssertionRequiredException: no `assertion`; InvalidDraftException: a field is wrong"),
        404: jsonError("DraftNotFoundException"),
        409: jsonError(
          "DraftStateException; DraftChangedException: the hash is not the draft's; ApprovalExpiredException: the " +
            "request is older than APPROVAL_HOURS",
        ),
        413: jsonError(`PayloadTooLargeException: over ${MAX_APPROVAL_BYTES} bytes`),
        415: jsonError("UnsupportedMediaTypeException: not JSON"),
        ...PIN_ERRORS,
        403: jsonError(
          `SelfApprovalException; PasskeyApprovalException: the assertion is not this member's passkey over a ` +
            `challenge for this draft and hash, or was used already${refused}`,
        ),
      },
    }),
    async (c) => {
      const member = approvingMember(c);
      const body = await readBody(c);
      const parsed = ApproveBody.safeParse(body);
      if (!parsed.success && typeof body === "object" && body !== null && !("assertion" in body))
        throw new ApiError(
          400,
          "PasskeyAssertionRequiredException",
          "Approving needs your passkey: POST /api/drafts/{draftId}/approval-options, sign its options with your " +
            "passkey, and send the assertion as `assertion` with the `contentHash` it answered",
        );
      if (!parsed.success) throw invalidInput("InvalidDraftException", parsed.error);
      const { contentHash, assertion } = parsed.data;
      const draftId = c.req.param("draftId")!;
      const answer = assertion as unknown as AuthenticationResponseJSON;
      return c.json(await passkeyApproval.approve(member, draftId, contentHash, answer, auditedBy(c).ip), 200);
    },
  );
}
