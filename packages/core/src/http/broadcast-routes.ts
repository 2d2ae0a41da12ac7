import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AuditLog } from "../audit/index.ts";
import type { WorkQueue } from "../aws/sqs.ts";
import type { CancelBroadcast } from "../broadcast/cancel.ts";
import { resumePausedBroadcast, startBroadcast } from "../broadcast/start.ts";
import type { BroadcastStore } from "../broadcast/store.ts";
import type { FanoutTask } from "../broadcast/tasks.ts";
import type { ApprovalGate } from "../drafts/gate.ts";
import { BroadcastMessage } from "../email/message.ts";
import { logger } from "../log.ts";
import {
  ArchiveField,
  BroadcastForm,
  BroadcastProgress,
  BroadcastRequest,
  BroadcastStarted,
  PinBody,
} from "./api-schemas.ts";
import { parseAudience } from "./audience-fields.ts";
import { limitBody, readBody } from "./body.ts";
import { type Auth, auditedBy } from "./caller.ts";
import { BroadcastAwaitingApproval } from "./draft-schemas.ts";
import { ApiError, invalidInput } from "./errors.ts";
import { onlyQuery } from "./known-query.ts";
import { FORM, JSON_TYPE, jsonError, PIN_ERRORS, PIN_OR_TOKEN, schemaRef, UNKNOWN_QUERY_ERROR } from "./openapi.ts";

// Room for 200 KiB of Markdown and 200 KiB of HTML, even with JSON escaping.
const MAX_BROADCAST_BYTES = 1024 * 1024;
// A resume carries at most the PIN.
const MAX_RESUME_BYTES = 4 * 1024;

/** As the IETF's Idempotency-Key draft has it: an opaque string; a UUID is usual. */
const IdempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, "1 to 255 visible ASCII characters")
  .optional();
// Described as any string and checked in the handler, after the PIN, so that it is answered in
// this API's error format.
const IdempotencyKeyHeader = z.object({
  "idempotency-key": z
    .string()
    .optional()
    .meta({
      param: { name: "idempotency-key", in: "header" },
      description:
        "The same key within 24 hours answers the same broadcast and starts nothing new (the CLI sends one, and " +
        "reuses it when it retries).",
    }),
});

export type BroadcastRoutesDeps = {
  broadcasts: BroadcastStore;
  fanoutQueue: WorkQueue<FanoutTask>;
  auth: Auth;
  audit: Pick<AuditLog, "record">;
  /** With any active member, a request becomes a draft waiting for approval. */
  approvalGate: ApprovalGate;
  cancelBroadcast: CancelBroadcast;
  now: () => Date;
};

export function broadcastRoutes(deps: BroadcastRoutesDeps) {
  const { broadcasts, fanoutQueue, auth, audit, now } = deps;
  const [composer, approver] = [auth.need("compose"), auth.need("approve")];
  const app = new OpenAPIHono();
  const BroadcastIdParam = z.object({ broadcastId: z.string().meta({ param: { name: "broadcastId", in: "path" } }) });
  const progress = { description: "The broadcast's progress", content: { [JSON_TYPE]: { schema: BroadcastProgress } } };

  const broadcastBody = {
    required: true,
    content: {
      [FORM]: { schema: schemaRef(app, "BroadcastForm", BroadcastForm) },
      [JSON_TYPE]: { schema: schemaRef(app, "BroadcastRequest", BroadcastRequest) },
    },
  };
  const startRoute = createRoute({
    method: "post",
    path: "/",
    operationId: "startBroadcast",
    security: PIN_OR_TOKEN,
    summary: "Broadcast an announcement to every active address, or to an audience",
    description:
      "`contents` is Markdown; `html`, when given, is the HTML part instead (sanitized) and the text part is derived " +
      "from it. `audience` (a form's `belowVersion` and `distribution` fields) narrows it to the installations " +
      "below a version and/or of some distributions. `archive: false` keeps it out of the public archive and its " +
      "feeds (the default puts it there once it starts). On a stack with no active member: answers 200 once the " +
      "broadcast is stored and its fan-out queued; sending happens after. From the first active member on, it " +
      "starts nothing: it saves a draft, asks for its approval and answers 202 with the draft's id and state " +
      "(GET /api/drafts/{draftId}); members who may approve approve it (POST /api/drafts/{draftId}/approve).",
    middleware: [limitBody(MAX_BROADCAST_BYTES), approver],
    request: { headers: IdempotencyKeyHeader, body: broadcastBody },
    responses: {
      200: {
        description:
          "Stored and queued; or, for an Idempotency-Key already used with this content, that broadcast (with " +
          "`Idempotent-Replayed: true`)",
        headers: {
          "Idempotent-Replayed": {
            description: "`true` when the Idempotency-Key was used before and this is that broadcast",
            schema: { type: "string", enum: ["true"] },
          },
        },
        content: { [JSON_TYPE]: { schema: BroadcastStarted } },
      },
      202: {
        description: "A stack with members: saved as a draft waiting for approval (the same key answers it again)",
        content: { [JSON_TYPE]: { schema: BroadcastAwaitingApproval } },
      },
      400: jsonError(
        "InvalidEmailMessageException: empty or oversized title or contents, or HTML that is nothing once sanitized; " +
          "InvalidIdempotencyKeyException; InvalidAudienceException: a version OpenEMR does not write, or an " +
          "unknown criterion; InvalidArchiveFlagException: `archive` is neither true nor false",
      ),
      422: jsonError("IdempotencyKeyReusedException: the key was used for another broadcast in the last 24 hours"),
      413: jsonError(`PayloadTooLargeException: over ${MAX_BROADCAST_BYTES} bytes`),
      415: jsonError("UnsupportedMediaTypeException: neither a form nor JSON"),
      ...PIN_ERRORS,
    },
  });
  app.openapi(startRoute, async (c) => {
    const body = await readBody(c, { lists: ["distribution"] });
    const fields = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
    const parsed = BroadcastMessage.safeParse(fields);
    if (!parsed.success) throw invalidInput("InvalidEmailMessageException", parsed.error);
    const audience = parseAudience(fields);
    const archive = ArchiveField.safeParse(fields.archive);
    if (!archive.success) throw invalidInput("InvalidArchiveFlagException", archive.error);
    // Rendering now rejects HTML that sanitizes to nothing before anyone is queued. The HTML and
    // Markdown libraries load only here: a cold start for any other request skips them.
    const { renderBroadcast } = await import("../email/render.ts");
    renderBroadcast(parsed.data);
    const key = IdempotencyKey.safeParse(c.req.header("idempotency-key"));
    if (!key.success) throw invalidInput("InvalidIdempotencyKeyException", key.error);
    const asked = {
      ...parsed.data,
      ...(audience && { audience }),
      ...(archive.data === false && { archive: false as const }),
    };
    const gated = await deps.approvalGate(auditedBy(c), asked, key.data);
    if (gated) {
      const { draftId, state, broadcastId } = gated.draft;
      if (gated.replayed) c.header("Idempotent-Replayed", "true");
      return c.json({ status: "awaiting-approval" as const, draftId, state, ...(broadcastId && { broadcastId }) }, 202);
    }
    const { broadcastId, replayed } = await startBroadcast({ broadcasts, fanoutQueue, now: now() }, parsed.data, {
      idempotencyKey: key.data,
      audience,
      archive: archive.data,
    });
    logger.info(replayed ? "broadcast request repeated" : "broadcast queued", { broadcastId, audience });
    if (!replayed) await audit.record({ ...auditedBy(c), action: "broadcast.started", object: broadcastId });
    if (replayed) c.header("Idempotent-Replayed", "true");
    return c.json({ status: "sent" as const, broadcastId }, 200);
  });

  const progressRoute = createRoute({
    method: "get",
    path: "/{broadcastId}",
    operationId: "getBroadcast",
    summary: "A broadcast's progress",
    description: "`status` is `queued`, `sending`, `paused` (too many hard bounces; resume it) or `done`.",
    security: PIN_OR_TOKEN,
    middleware: [composer, onlyQuery()],
    request: { params: BroadcastIdParam },
    responses: { 200: progress, 404: jsonError("BroadcastNotFoundException"), ...UNKNOWN_QUERY_ERROR, ...PIN_ERRORS },
  });
  app.openapi(progressRoute, async (c) => {
    const broadcast = await broadcasts.get(c.req.valid("param").broadcastId);
    if (!broadcast) throw new ApiError(404, "BroadcastNotFoundException", "No broadcast has this id");
    return c.json(broadcast, 200);
  });

  const pinBody = schemaRef(app, "PinBody", PinBody);
  const resumeRoute = createRoute({
    method: "post",
    path: "/{broadcastId}/resume",
    operationId: "resumeBroadcast",
    summary: "Resume a paused broadcast",
    description:
      "The PIN in `X-Secret-Pin`, or in the body as the POST that started the broadcast sends it. " +
      "Fans the broadcast out again; every recipient still pending gets its email, each at most once.",
    security: PIN_OR_TOKEN,
    middleware: [limitBody(MAX_RESUME_BYTES), approver],
    request: {
      params: BroadcastIdParam,
      body: { required: false, content: { [FORM]: { schema: pinBody }, [JSON_TYPE]: { schema: pinBody } } },
    },
    responses: {
      200: { ...progress, description: "Resumed: the progress, now `sending`" },
      404: jsonError("BroadcastNotFoundException"),
      409: jsonError("BroadcastNotPausedException: it is queued, sending or done"),
      413: jsonError(`PayloadTooLargeException: over ${MAX_RESUME_BYTES} bytes`),
      415: jsonError("UnsupportedMediaTypeException: a body that is neither a form nor JSON"),
      ...PIN_ERRORS,
    },
  });
  app.openapi(resumeRoute, async (c) => {
    const broadcastId = c.req.param("broadcastId")!;
    const broadcast = await resumePausedBroadcast({ broadcasts, fanoutQueue, now: now() }, broadcastId);
    logger.info("broadcast resumed", { broadcastId });
    await audit.record({ ...auditedBy(c), action: "broadcast.resumed", object: broadcastId });
    return c.json(broadcast, 200);
  });
  const cancelRoute = createRoute({
    method: "post",
    path: "/{broadcastId}/cancel",
    operationId: "cancelBroadcast",
    summary: "Stop a running broadcast for good",
    description:
      "Queued, sending or paused: its fan-out stops and its senders drop every email not sent yet, within " +
      "seconds. Not resumable.",
    security: PIN_OR_TOKEN,
    middleware: [approver],
    request: { params: BroadcastIdParam },
    responses: {
      200: { ...progress, description: "Cancelled: the progress, now `cancelled`" },
      404: jsonError("BroadcastNotFoundException"),
      409: jsonError("BroadcastNotCancellableException: it is done, or cancelled already"),
      ...PIN_ERRORS,
    },
  });
  app.openapi(cancelRoute, async (c) => {
    const broadcastId = c.req.param("broadcastId")!;
    const broadcast = await deps.cancelBroadcast(broadcastId, now());
    logger.info("broadcast cancelled", { broadcastId });
    await audit.record({ ...auditedBy(c), action: "broadcast.cancelled", object: broadcastId });
    return c.json(broadcast, 200);
  });
  return app;
}
