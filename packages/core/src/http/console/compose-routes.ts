import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { csrf } from "hono/csrf";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AuditLog } from "../../audit/index.ts";
import type { WorkQueue } from "../../aws/sqs.ts";
import { startBroadcast } from "../../broadcast/start.ts";
import type { BroadcastStore } from "../../broadcast/store.ts";
import type { FanoutTask } from "../../broadcast/tasks.ts";
import type { ApprovalGate } from "../../drafts/gate.ts";
import { InvalidEmailMessageError } from "../../email/errors.ts";
import { privacyUrl, unsubscribeUrl } from "../../email/links.ts";
import { BroadcastMessage } from "../../email/message.ts";
import { personalize } from "../../email/personalize.ts";
import { logger } from "../../log.ts";
import type { RegistrationStore } from "../../registration/store.ts";
import { BroadcastForm } from "../api-schemas.ts";
import { limitBody, readBody } from "../body.ts";
import { FORM, formPageErrors, gatewayThrottled, htmlResponse, redirect, SESSION, schemaRef } from "../openapi.ts";
import type { PageContent } from "../pages.ts";
import { broadcastPath } from "./broadcasts.ts";
import {
  awaitingBody,
  type Composed,
  type ComposeFields,
  composeBody,
  confirmBody,
  FIELD_NAMES,
  IDEMPOTENCY_FIELD,
  type Preview,
  readAudience,
} from "./compose.ts";
import { consolePage } from "./layout.ts";
import { CONSOLE_PATH, CSRF_FIELD } from "./session.ts";
import { auditedBySession, type ConsoleSessions } from "./signed-in.ts";

type PageOptions = { status?: ContentfulStatusCode; title?: string };

type Deps = {
  broadcasts: BroadcastStore;
  fanoutQueue: WorkQueue<FanoutTask>;
  audit: Pick<AuditLog, "record">;
  registrations: Pick<RegistrationStore, "audienceReach">;
  sessions: () => ConsoleSessions;
  /** From this origin, with the session's CSRF token; else 403. */
  sessionPost: MiddlewareHandler;
  approvalGate: ApprovalGate;
  now: () => Date;
};

const LOGIN_PATH = `${CONSOLE_PATH}/login`;
const TITLE = "New broadcast";
// Room for 200 KiB of Markdown and 200 KiB of HTML with every byte percent-encoded, as a form sends them.
const MAX_COMPOSE_BYTES = 2 * 1024 * 1024;
const EMPTY: ComposeFields = { title: "", contents: "", html: "", belowVersion: "", distribution: "" };
const LABELS: Record<string, string> = { title: "Title", contents: "Message", html: "HTML" };
/** The API's form, its PIN replaced by the session's CSRF token. */
const Compose = BroadcastForm.omit({ secretPin: true }).extend({ [CSRF_FIELD]: z.string() });
/** The confirmation's form: the same, and the Idempotency-Key its page made (a UUID). */
const Send = Compose.extend({ [IDEMPOTENCY_FIELD]: z.uuid() });

/**
 * Compose a broadcast, preview it and send it, in three forms that need no script: the same
 * checks, rendering and `startBroadcast` (its Idempotency-Key store) as the broadcast API.
 */
export function consoleComposeRoutes(
  // biome-ignore lint/suspicious/noExplicitAny: the console's app, whatever routes it has typed already
  app: OpenAPIHono<any, any, any>,
  { broadcasts, fanoutQueue, audit, registrations, sessions, sessionPost, approvalGate, now }: Deps,
) {
  const composeRef = schemaRef(app, "ConsoleCompose", Compose);
  const body = (schema: { $ref: string }) => ({ required: true, content: { [FORM]: { schema } } });
  const post = [limitBody(MAX_COMPOSE_BYTES), csrf(), sessionPost];
  const formErrors = formPageErrors(MAX_COMPOSE_BYTES);
  const refused = htmlResponse("No session, no token or the wrong one, or another site");

  /** A console page for the session that sessionPost (or the GET) found. */
  const page = async (c: Context, body: PageContent, { status, title = TITLE }: PageOptions = {}) =>
    consolePage(c, { status, title, body, session: (await sessions().read(c))! });
  const invalid = async (c: Context, { fields, errors }: Composed) =>
    page(c, composeBody((await sessions().read(c))!, fields, { errors }), { status: 400 });

  app.openapi(
    createRoute({
      method: "get",
      path: "/broadcasts/new",
      operationId: "consoleComposePage",
      security: SESSION,
      summary: "Compose a broadcast",
      description: "Title, Markdown, optional HTML and an audience. Without a session: to the login page.",
      responses: { 200: htmlResponse("The form"), 303: redirect(`To ${LOGIN_PATH}`), 429: gatewayThrottled },
    }),
    async (c) => {
      const session = await sessions().read(c);
      if (!session) return c.redirect(LOGIN_PATH, 303);
      return consolePage(c, { title: TITLE, body: composeBody(session, EMPTY), session });
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/broadcasts/new/preview",
      operationId: "consolePreviewBroadcast",
      security: SESSION,
      summary: "Preview a broadcast",
      description:
        "The form again, with the audience's reach and the email as the senders render it: its HTML part in a " +
        "sandboxed frame, its text part beside it. Needs the session's CSRF token, sent from the console; else 403.",
      middleware: post,
      request: { body: body(composeRef) },
      responses: {
        200: htmlResponse("The preview"),
        400: htmlResponse("What is wrong, and the form"),
        403: refused,
        ...formErrors,
      },
    }),
    async (c) => {
      const composed = await readComposed(c);
      if (!composed.valid) return invalid(c, composed);
      const { audience, rendered } = composed.valid;
      // Each recipient's link carries their own token: the preview shows where it leads.
      const origin = new URL(c.req.url).origin;
      const links = {
        unsubscribeUrl: unsubscribeUrl(origin, "RECIPIENT-TOKEN"),
        privacyUrl: privacyUrl(origin, "RECIPIENT-TOKEN"),
      };
      const email = personalize(rendered, links);
      const preview: Preview = { audience, reach: await registrations.audienceReach(audience), email };
      const by = await auditedBySession(c, sessions());
      await audit.record({ ...by, action: "broadcast.previewed", object: composed.fields.title });
      return page(c, composeBody((await sessions().read(c))!, composed.fields, { preview }));
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/broadcasts/new/confirm",
      operationId: "consoleConfirmBroadcast",
      security: SESSION,
      summary: "Confirm a broadcast before it is sent",
      description:
        "Its title, audience and reach, and a button that reads `Send to N subscribers`; the form carries an " +
        "Idempotency-Key made for this page. An audience no one is in is refused. Needs the session's CSRF " +
        "token, sent from the console; else 403.",
      middleware: post,
      request: { body: body(composeRef) },
      responses: {
        200: htmlResponse("The confirmation"),
        400: htmlResponse("What is wrong (an audience no one is in among it), and the form"),
        403: refused,
        ...formErrors,
      },
    }),
    async (c) => {
      const composed = await readComposed(c);
      if (!composed.valid) return invalid(c, composed);
      const { audience } = composed.valid;
      const reach = await registrations.audienceReach(audience);
      if (reach.reached === 0)
        return invalid(c, {
          ...composed,
          errors: ["No active address is in this audience: there is no one to send to"],
        });
      const idempotencyKey = crypto.randomUUID();
      const confirm = confirmBody((await sessions().read(c))!, composed.fields, { audience, reach, idempotencyKey });
      return page(c, confirm, { title: "Send this broadcast?" });
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/broadcasts",
      operationId: "consoleSendBroadcast",
      security: SESSION,
      summary: "Send a broadcast",
      description:
        "Starts it as POST /api/registration/broadcast does, under the form's Idempotency-Key (24 hours): a " +
        "second click starts nothing new. Then to its page. Needs the session's CSRF token; else 403.",
      middleware: post,
      request: { body: body(schemaRef(app, "ConsoleSend", Send)) },
      responses: {
        303: redirect("To the broadcast's page"),
        400: htmlResponse("What is wrong, and the form"),
        403: refused,
        ...formErrors,
        202: htmlResponse("A stack with members: saved as a draft waiting for another member's approval"),
        422: htmlResponse("The Idempotency-Key was used for another broadcast in the last 24 hours"),
      },
    }),
    async (c) => {
      const composed = await readComposed(c);
      const posted = (await readBody(c)) as Record<string, unknown>;
      const key = Send.shape[IDEMPOTENCY_FIELD].safeParse(posted[IDEMPOTENCY_FIELD]);
      if (!key.success) composed.errors.push("This form has no valid Idempotency-Key: confirm the broadcast again");
      if (!composed.valid || !key.success) return invalid(c, composed);
      const { message, audience } = composed.valid;
      const by = await auditedBySession(c, sessions());
      const gated = await approvalGate(by, { ...message, ...(audience && { audience }) }, key.data);
      if (gated) return page(c, awaitingBody(gated.draft), { status: 202, title: "Waiting for approval" });
      const { broadcastId, replayed } = await startBroadcast({ broadcasts, fanoutQueue, now: now() }, message, {
        idempotencyKey: key.data,
        audience,
      });
      logger.info(replayed ? "broadcast request repeated" : "broadcast queued", { broadcastId, console: true });
      if (!replayed) await audit.record({ ...by, action: "broadcast.started", object: broadcastId });
      return c.redirect(broadcastPath(broadcastId), 303);
    },
  );
}

/**
 * The posted form: its fields as typed, checked as the broadcast API checks them (the message's
 * schema, the audience's fields, and rendering, which refuses what sanitizes to nothing).
 */
async function readComposed(c: Context): Promise<Composed> {
  const posted = (await readBody(c, { lists: ["distribution"] })) as Record<string, unknown>;
  const text = (value: unknown) => (Array.isArray(value) ? value.join(", ") : typeof value === "string" ? value : "");
  const fields = Object.fromEntries(FIELD_NAMES.map((name) => [name, text(posted[name])])) as ComposeFields;
  const errors: string[] = [];
  const parsed = BroadcastMessage.safeParse({
    title: fields.title,
    contents: fields.contents,
    ...(fields.html.trim() && { html: fields.html }),
  });
  if (!parsed.success)
    errors.push(...parsed.error.issues.map(({ path, message }) => `${LABELS[String(path[0])] ?? "Form"}: ${message}`));
  const audience = readAudience(fields, errors);
  if (parsed.success && errors.length === 0) {
    const { renderBroadcast } = await import("../../email/render.ts");
    try {
      return { fields, errors, valid: { message: parsed.data, audience, rendered: renderBroadcast(parsed.data) } };
    } catch (error) {
      if (!(error instanceof InvalidEmailMessageError)) throw error;
      errors.push(error.message);
    }
  }
  return { fields, errors };
}
