import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AuditLog } from "../audit/index.ts";
import type { DraftFlow } from "../drafts/flow.ts";
import type { DraftStore } from "../drafts/store.ts";
import { limitBody, readBody } from "./body.ts";
import { type Auth, actorOf, auditedBy } from "./caller.ts";
import { type DraftApprovalDeps, draftApprovalRoutes } from "./draft-approval-routes.ts";
import { Draft, DraftBody, DraftList, RequestApprovalBody, readDraftContent } from "./draft-schemas.ts";
import { type DraftTestDeps, draftTestRoute } from "./draft-test-route.ts";
import { ApiError, invalidInput } from "./errors.ts";
import { onlyQuery } from "./known-query.ts";
import { JSON_TYPE, jsonError, PIN_ERRORS, PIN_OR_TOKEN, schemaRef, UNKNOWN_QUERY_ERROR } from "./openapi.ts";

// As a broadcast's POST: room for 200 KiB of Markdown and 200 KiB of HTML.
const MAX_DRAFT_BYTES = 1024 * 1024;
const MAX_SMALL_BYTES = 4 * 1024;

export type DraftRoutesDeps = Pick<DraftTestDeps, "testSend"> &
  Pick<DraftApprovalDeps, "passkeyApproval"> & {
    drafts: DraftStore;
    flow: DraftFlow;
    auth: Auth;
    audit: Pick<AuditLog, "record">;
    now: () => Date;
  };

const notFound = () => new ApiError(404, "DraftNotFoundException", "No draft has this id");
const bodyErrors = {
  413: jsonError(`PayloadTooLargeException: over ${MAX_DRAFT_BYTES} bytes`),
  415: jsonError("UnsupportedMediaTypeException: not JSON"),
};

/** `/api/drafts`: drafts saved, listed, deleted, sent for approval, approved and cancelled. */
export function draftRoutes({ drafts, flow, auth, audit, testSend, passkeyApproval, now }: DraftRoutesDeps) {
  // Reading a draft is for those who write it and those who approve it.
  const [composer, approver, reader] = [auth.need("compose"), auth.need("approve"), auth.need(["compose", "approve"])];
  const app = new OpenAPIHono();
  const Params = z.object({ draftId: z.string().meta({ param: { name: "draftId", in: "path" } }) });
  const draftRef = schemaRef(app, "Draft", Draft);
  const answer = (description: string) => ({ description, content: { [JSON_TYPE]: { schema: draftRef } } });
  const jsonBody = (name: string, schema: z.ZodType) => ({
    required: true,
    content: { [JSON_TYPE]: { schema: schemaRef(app, name, schema) } },
  });
  const invalid = jsonError("InvalidDraftException: a field is missing or wrong, or sendAt is not ahead");

  const route = <P extends string>(method: "get" | "post" | "put" | "delete", path: P, rest: object) =>
    createRoute({ method, path, security: PIN_OR_TOKEN, ...rest } as Parameters<typeof createRoute>[0] & {
      path: P;
    });

  app.openapi(
    route("post", "/", {
      operationId: "createDraft",
      summary: "Save a new draft",
      description: "Nothing is sent: a draft starts only once approved (`request-approval`, then `approve`).",
      middleware: [limitBody(MAX_DRAFT_BYTES), composer],
      request: { body: jsonBody("DraftBody", DraftBody) },
      responses: { 201: answer("Saved: revision 1"), 400: invalid, ...bodyErrors, ...PIN_ERRORS },
    }),
    async (c) => {
      const content = await readDraftContent(await readBody(c), now());
      const draft = await drafts.create(crypto.randomUUID(), content, actorOf(c.get("caller")), now());
      await audit.record({ ...auditedBy(c), action: "draft.saved", object: draft!.draftId });
      return c.json(draft!, 201);
    },
  );

  app.openapi(
    route("get", "/", {
      operationId: "listDrafts",
      summary: "Every draft, newest first (without contents)",
      middleware: [reader, onlyQuery()],
      responses: {
        200: { description: "The drafts", content: { [JSON_TYPE]: { schema: DraftList } } },
        ...UNKNOWN_QUERY_ERROR,
        ...PIN_ERRORS,
      },
    }),
    async (c) => c.json({ drafts: await drafts.list() }, 200),
  );

  app.openapi(
    route("get", "/{draftId}", {
      operationId: "getDraft",
      summary: "A draft: content, hash, revisions, approvals, and the reach at approval and at start",
      middleware: [reader, onlyQuery()],
      request: { params: Params },
      responses: {
        200: answer("The draft"),
        404: jsonError("DraftNotFoundException"),
        ...UNKNOWN_QUERY_ERROR,
        ...PIN_ERRORS,
      },
    }),
    async (c) => c.json((await drafts.get(c.req.param("draftId")!)) ?? raise(notFound()), 200),
  );

  app.openapi(
    route("put", "/{draftId}", {
      operationId: "saveDraft",
      summary: "Save a draft's new content: the next revision",
      description: "Any change voids the approval request and every approval: they named the old hash.",
      middleware: [limitBody(MAX_DRAFT_BYTES), composer],
      request: { params: Params, body: jsonBody("DraftBody", DraftBody) },
      responses: {
        200: answer("Saved (or unchanged)"),
        400: invalid,
        404: jsonError("DraftNotFoundException"),
        409: jsonError("DraftStateException: it started or was cancelled, or another save came first"),
        ...bodyErrors,
        ...PIN_ERRORS,
      },
    }),
    async (c) => {
      const draftId = c.req.param("draftId")!;
      const content = await readDraftContent(await readBody(c), now());
      const saved = await drafts.save(draftId, content, actorOf(c.get("caller")), now());
      if (saved === "unchanged") return c.json((await drafts.get(draftId))!, 200);
      if (!saved) {
        const draft = (await drafts.get(draftId)) ?? raise(notFound());
        throw new ApiError(409, "DraftStateException", `The draft is ${draft.state}, or another save came first`);
      }
      await audit.record({ ...auditedBy(c), action: "draft.saved", object: draftId });
      return c.json(saved, 200);
    },
  );

  app.openapi(
    route("delete", "/{draftId}", {
      operationId: "deleteDraft",
      summary: "Delete a draft that has not started",
      middleware: [composer],
      request: { params: Params },
      responses: {
        204: { description: "Deleted, with its content" },
        404: jsonError("DraftNotFoundException"),
        409: jsonError("DraftStateException: it started"),
        ...PIN_ERRORS,
      },
    }),
    async (c) => {
      const draftId = c.req.param("draftId")!;
      if (!(await drafts.remove(draftId))) {
        const draft = (await drafts.get(draftId)) ?? raise(notFound());
        throw new ApiError(409, "DraftStateException", `The draft is ${draft.state}: it can no longer be deleted`);
      }
      await audit.record({ ...auditedBy(c), action: "draft.deleted", object: draftId });
      return c.body(null, 204);
    },
  );

  const stateErrors = (extra: string) => ({
    404: jsonError("DraftNotFoundException"),
    409: jsonError(`DraftStateException; DraftChangedException: the hash is not the draft's${extra}`),
    413: jsonError(`PayloadTooLargeException: over ${MAX_SMALL_BYTES} bytes`),
    415: bodyErrors[415],
  });
  app.openapi(
    route("post", "/{draftId}/request-approval", {
      operationId: "requestDraftApproval",
      summary: "Ask for approval of the draft's current content",
      description:
        "Records its content hash and the audience's reach, and emails the members who may approve (not the " +
        "requester). Naming `contentHash` refuses it if the draft changed since.",
      middleware: [limitBody(MAX_SMALL_BYTES), composer],
      request: { params: Params, body: { ...jsonBody("RequestApprovalBody", RequestApprovalBody), required: false } },
      responses: {
        200: answer("Pending (or started, on a stage needing none)"),
        400: invalid,
        ...stateErrors(""),
        ...PIN_ERRORS,
      },
    }),
    async (c) => {
      // The body is optional: an empty one names no hash.
      const body = (await c.req.raw.clone().text()).trim() ? await readBody(c) : {};
      const parsed = RequestApprovalBody.safeParse(body);
      if (!parsed.success) throw invalidInput("InvalidDraftException", parsed.error);
      const { actor, ip } = auditedBy(c);
      return c.json(await flow.requestApproval(c.req.param("draftId")!, actor, parsed.data.contentHash, ip), 200);
    },
  );

  app.openapi(
    route("post", "/{draftId}/cancel", {
      operationId: "cancelDraft",
      summary: "Cancel a draft that has not started: it never will",
      middleware: [approver],
      request: { params: Params },
      responses: {
        200: answer("Cancelled"),
        404: jsonError("DraftNotFoundException"),
        409: jsonError("DraftStateException"),
        ...PIN_ERRORS,
      },
    }),
    async (c) => {
      const { actor, ip } = auditedBy(c);
      return c.json(await flow.cancel(c.req.param("draftId")!, actor, ip), 200);
    },
  );
  draftApprovalRoutes(app, { auth, passkeyApproval });
  draftTestRoute(app, { drafts, auth, audit, testSend, now });
  return app;
}

function raise(error: Error): never {
  throw error;
}
