import type { Context } from "hono";
import { html } from "hono/html";
import type { Draft } from "../../drafts/model.ts";
import { errorResponse } from "../errors.ts";
import { DRAFTS_PATH, draftPath, draftRights, sendTime, who } from "./draft-page.ts";
import { consolePage, sideways } from "./layout.ts";
import { utc } from "./member-access.ts";
import type { SignedIn } from "./signed-in.ts";

export const NEW_DRAFT_PATH = `${DRAFTS_PATH}/new`;

/** Every draft, newest first: title, state, send time, last update and who saved it last. */
export function draftsBody(session: SignedIn, drafts: Omit<Draft, "contents" | "html">[]) {
  const create = draftRights(session).compose ? html`<p><a href="${NEW_DRAFT_PATH}">New draft</a></p>` : "";
  if (drafts.length === 0) return html`${create}<p id="no-drafts">No draft yet.</p>`;
  const row = (draft: Omit<Draft, "contents" | "html">) => html`<tr>
<th scope="row"><a href="${draftPath(draft.draftId)}">${draft.title}</a></th><td>${draft.state}</td>
<td>${sendTime(draft.sendAt)}</td><td>${utc(draft.updatedAt)}</td><td>${who(draft.revisions.at(-1)!.by)}</td></tr>`;
  const headings = ["Title", "State", "Send time", "Updated", "Saved by"];
  return html`${create}${sideways(
    "Drafts",
    html`<table id="drafts"><caption>Drafts, newest first</caption>
<thead><tr>${headings.map((heading) => html`<th scope="col">${heading}</th>`)}</tr></thead>
<tbody>${drafts.map(row)}</tbody></table>`,
  )}`;
}

/** The page for an id no draft has. */
export function draftNotFound(c: Context, session: SignedIn) {
  const body = html`<p role="alert">No draft has this id.</p><p><a href="${DRAFTS_PATH}">Every draft</a></p>`;
  return consolePage(c, { status: 404, title: "No such draft", body, session });
}

/**
 * What the draft flow refused (its state, an edit meanwhile, the requester's own approval, an
 * expired request...), as a page with the status and words the API gives it; anything else is thrown.
 */
export function draftRefused(c: Context, session: SignedIn, draftId: string, error: unknown) {
  const { status, body, headers } = errorResponse(error);
  if (status >= 500) throw error;
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
  const text = html`<p role="alert">${body.message}.</p><p><a href="${draftPath(draftId)}">Back to the draft</a></p>`;
  return consolePage(c, { status, title: "Not done", body: text, session });
}
