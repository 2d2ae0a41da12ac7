import { html } from "hono/html";
import type { Draft, Revision } from "../../drafts/model.ts";
import { OPEN_STATES } from "../../drafts/store.ts";
import type { Member } from "../../members/index.ts";
import { rolesOf } from "../caller.ts";
import { audienceText, broadcastPath, reachFigure } from "./broadcasts.ts";
import { draftForm, fieldsOf, type PostedDraft } from "./draft-form.ts";
import { csrfInput, sideways } from "./layout.ts";
import { utc } from "./member-access.ts";
import { CONSOLE_PATH } from "./session.ts";
import type { SignedIn } from "./signed-in.ts";
import { ceremonyButton, webauthnScript } from "./webauthn.ts";

export const DRAFTS_PATH = `${CONSOLE_PATH}/drafts`;
export const draftPath = (draftId: string) => `${DRAFTS_PATH}/${encodeURIComponent(draftId)}`;

/** Who an actor of the draft's history is, in words. */
export const who = (actor: Revision["by"]) => (actor.kind === "member" ? actor.name : actor.kind);

/** A draft's send time: UTC, or none. */
export const sendTime = (sendAt: string | undefined) => (sendAt ? utc(sendAt) : "as soon as approved");

/** What the session may do with drafts: its roles, and which member it is. */
export function draftRights(session: SignedIn) {
  const roles = rolesOf(session.caller);
  const memberId = session.caller.kind === "member" ? session.caller.member.id : undefined;
  return { compose: roles.includes("compose"), approve: roles.includes("approve"), memberId };
}

/** A form of one button that posts to `path` with the session's token, and hidden `fields`. */
const action = (session: SignedIn, path: string, label: string, fields: Record<string, string> = {}) =>
  html`<form method="post" action="${path}">${csrfInput(session)}${Object.entries(fields).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  )}<button type="submit">${label}</button></form>`;

function approvalSection(session: SignedIn, draft: Draft) {
  const rights = draftRights(session);
  const request = draft.approvalRequest;
  const earlier = " (an earlier content)";
  const asked = request
    ? html`<p id="approval-request">Asked by ${who(request.by)} at ${utc(request.at)} for hash
<code>${request.contentHash.slice(0, 12)}</code>${request.contentHash === draft.contentHash ? "" : earlier}.</p>`
    : html`<p>Approval has not been asked for.</p>`;
  const approvals = draft.approvals.map(
    ({ by, at, contentHash }) =>
      html`<li>${by.name} at ${utc(at)}${contentHash === draft.contentHash ? "" : " (an earlier content: void)"}</li>`,
  );
  const ask =
    rights.compose && (draft.state === "draft" || draft.state === "pending")
      ? action(session, `${draftPath(draft.draftId)}/request-approval`, "Ask for approval", {
          contentHash: draft.contentHash,
        })
      : "";
  // The requester never sees it; flow.approve refuses a forced one all the same.
  const mayApprove =
    draft.state === "pending" && rights.approve && rights.memberId && !requestedBy(draft, rights.memberId);
  const approve = mayApprove
    ? html`<p>${ceremonyButton("Approve with your passkey", {
        kind: "approve",
        path: `${draftPath(draft.draftId)}/approval`,
        csrf: session.csrf,
        hash: draft.contentHash,
      })}</p><noscript><p>Approving asks for your passkey, and a passkey needs JavaScript: turn it on for this
page.</p></noscript>${webauthnScript}`
    : "";
  return html`<section aria-labelledby="approval"><h2 id="approval">Approval</h2>${asked}
${approvals.length ? html`<ul id="approvals">${approvals}</ul>` : html`<p>No approval yet.</p>`}
<dl class="confirm"><dt>Reach at approval</dt>
<dd id="reach-approval">${reachFigure(request?.reach ?? draft.reachAtApproval)}</dd>
<dt>Reach at start</dt><dd id="reach-start">${reachFigure(draft.reachAtStart)}</dd></dl>${ask}${approve}</section>`;
}

const requestedBy = (draft: Draft, memberId: string) => {
  const by = draft.approvalRequest?.by;
  return by?.kind === "member" && by.id === memberId;
};

/** The revisions, oldest first: who saved each, when, and which fields changed. */
const revisionsTable = (draft: Draft) =>
  sideways(
    "Revisions",
    html`<table id="revisions"><caption>Revisions</caption>
<thead><tr><th scope="col">#</th><th scope="col">When</th><th scope="col">Who</th><th scope="col">Changed</th>
<th scope="col">Hash</th></tr></thead><tbody>${draft.revisions.map(
      ({ revision, at, by, fields, contentHash }) => html`<tr><td class="n">${revision}</td><td>${utc(at)}</td>
<td>${who(by)}</td><td>${fields.join(", ")}</td><td><code>${contentHash.slice(0, 12)}</code></td></tr>`,
    )}</tbody></table>`,
  );

/** The test send's form: a box for each active member, one a line. */
function testForm(session: SignedIn, draft: Draft, members: Member[]) {
  const me = draftRights(session).memberId;
  const boxes = members.map(
    (member) => html`<label><input type="checkbox" name="memberIds" value="${member.id}"
${member.id === me ? "checked" : ""}> ${member.name}</label>`,
  );
  const body = members.length
    ? html`<form method="post" action="${draftPath(draft.draftId)}/test">${csrfInput(session)}
<fieldset><legend>To these members, as recipients will get it, "[Test]" in the subject</legend>${boxes}</fieldset>
<p><button type="submit">Send a test</button></p></form>`
    : html`<p>No active member to send a test to.</p>`;
  return html`<section aria-labelledby="test"><h2 id="test">Test send</h2>${body}</section>`;
}

/** The draft's content as it stands, for a session that does not edit it. */
const readOnly = (draft: Draft) => html`<section aria-labelledby="content"><h2 id="content">Content</h2>
<p><strong>${draft.title}</strong></p>
<pre class="scroll content" tabindex="0" aria-label="Message">${draft.contents}</pre>
${draft.html ? html`<pre class="scroll content" tabindex="0" aria-label="HTML">${draft.html}</pre>` : ""}</section>`;

/**
 * One draft: its state, send time and hash, its approval (and the passkey button for a member who
 * may give it), its content (a form for a member who composes, while nothing has started), the
 * test send, its revisions, and Cancel and Delete.
 */
export function draftBody(session: SignedIn, draft: Draft, members: Member[], posted?: PostedDraft) {
  const rights = draftRights(session);
  const open = OPEN_STATES.includes(draft.state);
  const path = draftPath(draft.draftId);
  const started = draft.broadcastId
    ? html`<p>Started as <a href="${broadcastPath(draft.broadcastId)}">its broadcast</a>.</p>`
    : "";
  const content =
    rights.compose && open
      ? html`<section aria-labelledby="content"><h2 id="content">Content</h2>${draftForm(
          session,
          posted?.fields ?? fieldsOf(draft),
          { action: path, errors: posted?.errors },
        )}</section>`
      : readOnly(draft);
  const cancel =
    rights.approve && open
      ? html`<p>Cancel: it stays, and never starts.</p>${action(session, `${path}/cancel`, "Cancel this draft")}`
      : "";
  const remove =
    rights.compose && draft.state !== "started" && draft.state !== "starting"
      ? html`<p>Delete: it and its revisions are gone.</p>${action(session, `${path}/delete`, "Delete this draft")}`
      : "";
  return html`<dl class="confirm">
<dt>State</dt><dd id="state">${draft.state}</dd>
<dt>Send time</dt><dd id="send-time">${sendTime(draft.sendAt)}</dd>
<dt>Audience</dt><dd>${audienceText(draft.audience)}</dd>
<dt>Public archive</dt><dd>${draft.archive === false ? "kept out" : "yes"}</dd>
<dt>Content hash</dt><dd><code id="content-hash">${draft.contentHash}</code></dd>
<dt>Updated</dt><dd>${utc(draft.updatedAt)}</dd></dl>${started}
${approvalSection(session, draft)}${content}${rights.compose ? testForm(session, draft, members) : ""}
<section aria-labelledby="history"><h2 id="history">History</h2>${revisionsTable(draft)}</section>
${cancel || remove ? html`<section aria-labelledby="stop"><h2 id="stop">Stop it</h2>${cancel}${remove}</section>` : ""}
<p><a href="${DRAFTS_PATH}">Every draft</a></p>`;
}
