import type { Context } from "hono";
import { html } from "hono/html";
import type { Draft, DraftContent } from "../../drafts/model.ts";
import { InvalidEmailMessageError } from "../../email/errors.ts";
import { readBody } from "../body.ts";
import { readDraftContent } from "../draft-schemas.ts";
import { ApiError } from "../errors.ts";
import { type ComposeFields, FIELD_NAMES, messageFields, readAudience } from "./compose.ts";
import { csrfInput } from "./layout.ts";
import { formErrors } from "./member-access.ts";
import type { Session } from "./session.ts";

/** A draft's form as typed: the compose form's fields, the send time and its offset, and the archive's box. */
export type DraftFields = ComposeFields & { sendAt: string; sendAtOffset: string; archive: boolean };

/** A posted draft form: its fields as typed, and the content they make, or what is wrong with them. */
export type PostedDraft = { fields: DraftFields; errors: string[]; content?: DraftContent };

const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;
const OFFSET = /^(Z|[+-]\d{2}:\d{2})$/;
const LABELS: Record<string, string> = { title: "Title", contents: "Message", html: "HTML", sendAt: "Send time" };

/** The form of a new draft, or of `draft` as saved: its send time in UTC, with the offset +00:00. */
export function fieldsOf(draft?: Draft): DraftFields {
  const audience = draft?.audience;
  return {
    title: draft?.title ?? "",
    contents: draft?.contents ?? "",
    html: draft?.html ?? "",
    belowVersion: audience?.belowVersion ?? "",
    distribution: audience?.distributions?.join(", ") ?? "",
    sendAt: draft?.sendAt?.slice(0, 16) ?? "",
    sendAtOffset: "+00:00",
    archive: draft?.archive !== false,
  };
}

/**
 * The posted form, checked as the drafts API checks a save (`readDraftContent`: the message's
 * schema, rendering, a send time ahead); the send time is the local time and its UTC offset.
 */
export async function readDraftForm(c: Context, now: Date): Promise<PostedDraft> {
  const posted = (await readBody(c, { lists: ["distribution"] })) as Record<string, unknown>;
  const text = (value: unknown) => (Array.isArray(value) ? value.join(", ") : typeof value === "string" ? value : "");
  const fields: DraftFields = {
    ...(Object.fromEntries(FIELD_NAMES.map((name) => [name, text(posted[name])])) as ComposeFields),
    sendAt: text(posted.sendAt).trim(),
    sendAtOffset: text(posted.sendAtOffset).trim() || "+00:00",
    archive: posted.archive === "true",
  };
  const errors: string[] = [];
  const audience = readAudience(fields, errors);
  if (fields.sendAt && !LOCAL_TIME.test(fields.sendAt))
    errors.push("Send time: a date and a time, as 2026-12-24T09:00");
  if (!OFFSET.test(fields.sendAtOffset)) errors.push("UTC offset: as +02:00, -05:00 or Z");
  if (errors.length) return { fields, errors };
  const seconds = fields.sendAt.length === 16 ? ":00" : "";
  const body = {
    title: fields.title,
    contents: fields.contents,
    ...(fields.html.trim() && { html: fields.html }),
    ...(audience && { audience }),
    ...(fields.sendAt && { sendAt: `${fields.sendAt}${seconds}${fields.sendAtOffset}` }),
    archive: fields.archive,
  };
  try {
    return { fields, errors, content: await readDraftContent(body, now) };
  } catch (error) {
    if (error instanceof InvalidEmailMessageError) return { fields, errors: [error.message] };
    if (!(error instanceof ApiError)) throw error;
    const issues = error.issues ?? [{ path: "", message: error.message }];
    const label = (path: string) => LABELS[path.split(".")[0] ?? ""] ?? "Form";
    return { fields, errors: issues.map(({ path, message }) => `${label(path)}: ${message}`) };
  }
}

/** The draft's form: the compose page's fields, the embargo time with its offset, the archive's box. */
export function draftForm(
  session: Session,
  fields: DraftFields,
  { action, errors = [] }: { action: string; errors?: string[] },
) {
  return html`${formErrors("This draft is not saved:", errors)}
<form method="post" action="${action}" class="compose">${csrfInput(session)}${messageFields(fields)}
<fieldset><legend>Send time (an embargo): empty, it starts as soon as it is approved</legend>
<p><label for="sendAt">Not before (date and time)</label>
<input id="sendAt" name="sendAt" type="datetime-local" value="${fields.sendAt}"></p>
<p><label for="sendAtOffset">UTC offset of that time (such as +02:00, -05:00, or Z); it is kept in UTC</label>
<input id="sendAtOffset" name="sendAtOffset" value="${fields.sendAtOffset}" maxlength="6"></p></fieldset>
<p><label><input type="checkbox" name="archive" value="true" ${fields.archive ? "checked" : ""}>
In the public archive and its feeds once sent</label></p>
<p><button type="submit">Save</button></p></form>`;
}
