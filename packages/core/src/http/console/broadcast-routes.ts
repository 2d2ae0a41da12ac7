import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { csrf } from "hono/csrf";
import { html } from "hono/html";
import type { AuditLog } from "../../audit/index.ts";
import type { WorkQueue } from "../../aws/sqs.ts";
import type { CancelBroadcast } from "../../broadcast/cancel.ts";
import {
  BroadcastNotCancellableError,
  BroadcastNotFoundError,
  BroadcastNotPausedError,
} from "../../broadcast/errors.ts";
import { decodeListCursor, encodeListCursor } from "../../broadcast/list-page.ts";
import { resumePausedBroadcast } from "../../broadcast/start.ts";
import type { BroadcastStore } from "../../broadcast/store.ts";
import type { FanoutTask } from "../../broadcast/tasks.ts";
import type { ApprovalGate } from "../../drafts/gate.ts";
import { logger } from "../../log.ts";
import { limitBody, readBody } from "../body.ts";
import { FORM, formPageErrors, htmlResponse, redirect, SESSION, schemaRef } from "../openapi.ts";
import { broadcastBody, broadcastPath, historyBody, historyPath, inProgress } from "./broadcasts.ts";
import { consolePage } from "./layout.ts";
import { rolePage } from "./member-access.ts";
import { CONSOLE_PATH, CSRF_FIELD } from "./session.ts";
import { auditedBySession, type ConsoleSessions, type SignedIn } from "./signed-in.ts";

export type ConsoleBroadcastDeps = {
  broadcasts: BroadcastStore;
  audit: Pick<AuditLog, "record">;
  /** Where a resumed broadcast's fan-out is queued again. */
  fanoutQueue: WorkQueue<FanoutTask>;
  /** With any active member, a broadcast sent here waits for approval (drafts/gate.ts). */
  approvalGate: ApprovalGate;
  /** The API's stop for good (`POST /api/registration/broadcast/{broadcastId}/cancel`). */
  cancelBroadcast: CancelBroadcast;
};

type Shared = ConsoleBroadcastDeps & {
  sessions: () => ConsoleSessions;
  /** From this origin, with the session's CSRF token; else 403. */
  sessionPost: MiddlewareHandler;
  now: () => Date;
};

const LOGIN_PATH = `${CONSOLE_PATH}/login`;
/** How often a broadcast's page reloads itself while it is queued or sending, in seconds. */
const REFRESH_SECONDS = 5;
const MAX_FORM_BYTES = 4 * 1024;
const IdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(100)
    .meta({ param: { name: "id", in: "path" } }),
});
const BAD_ID = "An id of no broadcast's form (over 100 characters)";
const Resume = z.object({ [CSRF_FIELD]: z.string() });
const Stop = Resume.extend({
  confirm: z.literal("yes").meta({ description: "The box that says the recipients not reached yet get nothing" }),
});
/** Broadcasts a page of the history shows. */
const HISTORY_PAGE = 25;
// Checked in the handler, so that one this service did not make gets the console's own 400 page.
const HistoryQuery = z.object({
  before: z
    .string()
    .optional()
    .meta({ description: 'Where the page starts: the cursor an "Older" link carries; absent, the newest' }),
});

/**
 * The broadcasts' history and each one's progress, and "Resume" for a paused one: what
 * `GET /api/registration/broadcast/{id}` and its resume give, behind the console's session.
 */
export function consoleBroadcastRoutes(
  // biome-ignore lint/suspicious/noExplicitAny: the console's app, whatever routes it has typed already
  app: OpenAPIHono<any, any, any>,
  { broadcasts, fanoutQueue, audit, sessions, sessionPost, now, cancelBroadcast }: Shared,
) {
  const history = createRoute({
    method: "get",
    path: "/broadcasts",
    operationId: "consoleBroadcasts",
    security: SESSION,
    summary: "Every broadcast, newest first",
    description:
      `Title, audience, status and figures of each, ${HISTORY_PAGE} a page; "Older" leads to the next. ` +
      "Without a session: to the login page.",
    request: { query: HistoryQuery },
    responses: {
      200: htmlResponse("The page"),
      303: redirect(`To ${LOGIN_PATH}`),
      400: htmlResponse("A `before` this service did not make"),
    },
  });
  app.openapi(history, async (c) => {
    const session = await sessions().read(c);
    if (!session) return c.redirect(LOGIN_PATH, 303);
    const { before } = c.req.valid("query");
    const after = before === undefined ? undefined : decodeListCursor(before);
    if (before !== undefined && !after) {
      const body = html`<p>This link to older broadcasts is not valid.</p><p><a href="${historyPath()}">Newest</a></p>`;
      return consolePage(c, { status: 400, title: "Not a page of broadcasts", body, session });
    }
    const { broadcasts: page, next } = await broadcasts.list({ limit: HISTORY_PAGE, after });
    const body = historyBody(page, { older: next && encodeListCursor(next), first: !after });
    return consolePage(c, { title: "Broadcasts", body, session });
  });

  const progress = createRoute({
    method: "get",
    path: "/broadcasts/{id}",
    operationId: "consoleBroadcast",
    security: SESSION,
    summary: "A broadcast's progress",
    description:
      "Its figures, reloading itself every 5 seconds while queued or sending; paused, its reason and a " +
      "Resume button. Without a session: to the login page.",
    request: { params: IdParam },
    responses: {
      200: htmlResponse("The page"),
      303: redirect(`To ${LOGIN_PATH}`),
      400: htmlResponse(BAD_ID),
      404: htmlResponse("No such id"),
    },
  });
  app.openapi(progress, async (c) => {
    const session = await sessions().read(c);
    if (!session) return c.redirect(LOGIN_PATH, 303);
    const broadcast = await broadcasts.get(c.req.valid("param").id);
    if (!broadcast) return notFound(c, session);
    const refresh = inProgress(broadcast) ? REFRESH_SECONDS : undefined;
    return consolePage(c, { title: broadcast.title, body: broadcastBody(broadcast, session), session, refresh });
  });

  const resume = createRoute({
    method: "post",
    path: "/broadcasts/{id}/resume",
    operationId: "consoleResumeBroadcast",
    security: SESSION,
    summary: "Resume a paused broadcast",
    description:
      "Sets it sending again and queues its fan-out, as POST /api/registration/broadcast/{broadcastId}/resume; " +
      "then back to its page. Needs the session's CSRF token, sent from the console; else 403.",
    middleware: [limitBody(MAX_FORM_BYTES), csrf(), sessionPost],
    request: {
      params: IdParam,
      body: { required: true, content: { [FORM]: { schema: schemaRef(app, "ConsoleResume", Resume) } } },
    },
    responses: {
      303: redirect("To the broadcast's page"),
      400: htmlResponse(BAD_ID),
      403: htmlResponse("No session, no token or the wrong one, or another site"),
      ...formPageErrors(MAX_FORM_BYTES),
      404: htmlResponse("No such id"),
    },
  });
  app.openapi(resume, async (c) => {
    const { id } = c.req.valid("param");
    try {
      await resumePausedBroadcast({ broadcasts, fanoutQueue, now: now() }, id);
      await audit.record({ ...(await auditedBySession(c, sessions())), action: "broadcast.resumed", object: id });
    } catch (error) {
      if (error instanceof BroadcastNotFoundError) return notFound(c, await sessions().read(c));
      // Resumed already (a second click, another board member): its page shows how it is now.
      if (!(error instanceof BroadcastNotPausedError)) throw error;
    }
    return c.redirect(broadcastPath(id), 303);
  });

  const stop = createRoute({
    method: "post",
    path: "/broadcasts/{id}/cancel",
    operationId: "consoleCancelBroadcast",
    security: SESSION,
    summary: "Stop a running broadcast for good",
    description:
      "Queued, sending or paused: as POST /api/registration/broadcast/{broadcastId}/cancel, its fan-out stops and " +
      "no email not sent yet goes; nothing resumes it. The form's box must be ticked (400 otherwise). `approve` " +
      "(the PIN's session holds it); needs the session's CSRF token. Then back to its page.",
    middleware: [limitBody(MAX_FORM_BYTES), csrf(), sessionPost],
    request: {
      params: IdParam,
      body: { required: true, content: { [FORM]: { schema: schemaRef(app, "ConsoleCancelBroadcast", Stop) } } },
    },
    responses: {
      303: redirect("To the broadcast's page"),
      400: htmlResponse(`${BAD_ID}, or the box not ticked`),
      403: htmlResponse("No session, no token or the wrong one, another site, or no `approve` role"),
      ...formPageErrors(MAX_FORM_BYTES),
      404: htmlResponse("No such id"),
      409: htmlResponse("Done, or cancelled already"),
    },
  });
  app.openapi(stop, async (c) => {
    const session = await rolePage(c, sessions(), ["approve"]);
    if (session instanceof Response) return session;
    const { id } = c.req.valid("param");
    const back = html`<p><a href="${broadcastPath(id)}">Back to the broadcast</a></p>`;
    if (!Stop.safeParse(await readBody(c)).success) {
      const body = html`<p role="alert">Tick the box: stopping is for good.</p>${back}`;
      return consolePage(c, { status: 400, title: "Not stopped", body, session });
    }
    try {
      await cancelBroadcast(id, now());
    } catch (error) {
      if (error instanceof BroadcastNotFoundError) return notFound(c, session);
      if (!(error instanceof BroadcastNotCancellableError)) throw error;
      const body = html`<p role="alert">${error.message}.</p>${back}`;
      return consolePage(c, { status: 409, title: "Not stopped", body, session });
    }
    logger.info("broadcast cancelled", { broadcastId: id, console: true });
    await audit.record({ ...(await auditedBySession(c, sessions())), action: "broadcast.cancelled", object: id });
    return c.redirect(broadcastPath(id), 303);
  });
}

function notFound(c: Context, session: SignedIn | undefined) {
  const body = html`<p>No broadcast has this id.</p><p><a href="${CONSOLE_PATH}/broadcasts">Every broadcast</a></p>`;
  return consolePage(c, { status: 404, title: "No such broadcast", body, session });
}
