import { html } from "hono/html";
import type { BroadcastMessage } from "../../email/message.ts";
import type { PersonalizedEmail } from "../../email/personalize.ts";
import type { RenderedBroadcast } from "../../email/render.ts";
import type { Audience } from "../../registration/audience.ts";
import type { AudienceReach } from "../../registration/store.ts";
import { parseAudience } from "../audience-fields.ts";
import { ApiError } from "../errors.ts";
import { audienceText } from "./broadcasts.ts";
import { csrfInput } from "./layout.ts";
import { CONSOLE_PATH, type Session } from "./session.ts";

export const COMPOSE_PATH = `${CONSOLE_PATH}/broadcasts/new`;
export const PREVIEW_PATH = `${COMPOSE_PATH}/preview`;
export const CONFIRM_PATH = `${COMPOSE_PATH}/confirm`;
/** Where the confirmation form posts: it starts the broadcast. */
export const SEND_PATH = `${CONSOLE_PATH}/broadcasts`;
/** The confirmation form's field for the key that makes a second click start nothing new. */
export const IDEMPOTENCY_FIELD = "idempotencyKey";

/** The compose form as typed, kept as strings so that every page shows it back unchanged. */
/** A compose form as posted: its fields as typed, and what they mean, or what is wrong with them. */
export type Composed = {
  fields: ComposeFields;
  errors: string[];
  valid?: { message: BroadcastMessage; audience: Audience | undefined; rendered: RenderedBroadcast };
};

export type ComposeFields = {
  title: string;
  contents: string;
  html: string;
  belowVersion: string;
  distribution: string;
};
export const FIELD_NAMES = ["title", "contents", "html", "belowVersion", "distribution"] as const;

/** What a preview shows: the audience's reach, and the email as the senders make it. */
export type Preview = { audience: Audience | undefined; reach: AudienceReach; email: PersonalizedEmail };

const number = (value: number) => value.toLocaleString("en-US");
const subscribers = (n: number) => `${number(n)} ${n === 1 ? "subscriber" : "subscribers"}`;

/** The form's fields as hidden inputs: the confirmation page carries them to the send. */
const hiddenFields = (fields: ComposeFields) =>
  FIELD_NAMES.map((name) => html`<input type="hidden" name="${name}" value="${fields[name]}">`);

const errorList = (errors: string[]) =>
  errors.length
    ? html`<div role="alert" id="errors"><p class="error">This broadcast cannot be sent as it is:</p>
<ul>${errors.map((error) => html`<li class="error">${error}</li>`)}</ul></div>`
    : "";

/** The reach of an audience in words, and who a version criterion leaves out. */
function reachText(audience: Audience | undefined, { active, reached, unknownVersion }: AudienceReach) {
  const leftOut =
    audience?.belowVersion && unknownVersion > 0
      ? html` ${number(unknownVersion)} with no known version ${unknownVersion === 1 ? "is" : "are"} left out.`
      : "";
  return html`<p id="reach">Audience: ${audienceText(audience)}. It reaches <strong>${number(reached)}</strong> of
${number(active)} active addresses.${leftOut}</p>`;
}

/**
 * The email as a recipient gets it: its HTML part in a sandboxed frame (no script, no same origin;
 * `srcdoc` is attribute-escaped by `html`) and its text part beside it.
 */
function previewSection({ audience, reach, email }: Preview) {
  return html`<section aria-labelledby="preview"><h2 id="preview">Preview</h2>${reachText(audience, reach)}
<p>Subject: <strong>${email.subject}</strong></p>
<div class="preview"><iframe sandbox srcdoc="${email.html}" title="The email's HTML part"></iframe>
<pre aria-label="The email's text part" tabindex="0">${email.text}</pre></div></section>`;
}

/** The audience of a form's fields; what is wrong with them goes to `errors`. */
export function readAudience(fields: ComposeFields, errors: string[]): Audience | undefined {
  try {
    return parseAudience({ belowVersion: fields.belowVersion, distribution: fields.distribution });
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    errors.push(...(error.issues?.map(({ message }) => `Audience: ${message}`) ?? [`Audience: ${error.message}`]));
    return undefined;
  }
}

/** A broadcast's title, Markdown, HTML and audience, as the compose and draft forms ask them. */
export const messageFields = (fields: ComposeFields) => html`
<p><label for="title">Title</label>
<input id="title" name="title" value="${fields.title}" maxlength="200" required></p>
<p><label for="contents">Message (Markdown)</label>
<textarea id="contents" name="contents" rows="12" required>${fields.contents}</textarea></p>
<p><label for="html">HTML (optional: the HTML part instead; the text part is made from it)</label>
<textarea id="html" name="html" rows="6">${fields.html}</textarea></p>
<fieldset><legend>Audience: every active address, unless narrowed</legend>
<p><label for="belowVersion">Only below this OpenEMR version (such as 7.0.3 or 7.0.3.4)</label>
<input id="belowVersion" name="belowVersion" value="${fields.belowVersion}" maxlength="64"></p>
<p><label for="distribution">Only these distributions (comma-separated; unknown for none sent)</label>
<input id="distribution" name="distribution" value="${fields.distribution}"></p></fieldset>`;

/** The compose form, with what was typed, the errors it has and its preview, when there are. */
export function composeBody(
  session: Session,
  fields: ComposeFields,
  { errors = [], preview }: { errors?: string[]; preview?: Preview } = {},
) {
  return html`${errorList(errors)}
<form method="post" action="${PREVIEW_PATH}" class="compose">
${csrfInput(session)}${messageFields(fields)}
<p><button type="submit">Preview</button> <button type="submit" formaction="${CONFIRM_PATH}">Send</button></p>
</form>${preview ? previewSection(preview) : ""}`;
}

/**
 * The last step before sending: what goes to whom, and a button that says how many. Its
 * Idempotency-Key, made when this page is drawn, lets a second click start nothing new.
 */
export function confirmBody(
  session: Session,
  fields: ComposeFields,
  { audience, reach, idempotencyKey }: { audience: Audience | undefined; reach: AudienceReach; idempotencyKey: string },
) {
  return html`<dl class="confirm">
<dt>Title</dt><dd id="confirm-title">${fields.title}</dd>
<dt>Audience</dt><dd id="confirm-audience">${audienceText(audience)}</dd>
<dt>Reach</dt><dd id="confirm-reach">${subscribers(reach.reached)} of ${number(reach.active)} active addresses</dd>
</dl>
<form method="post" action="${SEND_PATH}">${csrfInput(session)}${hiddenFields(fields)}
<input type="hidden" name="${IDEMPOTENCY_FIELD}" value="${idempotencyKey}">
<p><button type="submit">Send to ${subscribers(reach.reached)}</button>
<button type="submit" formaction="${PREVIEW_PATH}" class="secondary">Back to the message</button></p>
</form>`;
}

/** What the console shows once a broadcast became a draft waiting for approval (drafts/gate.ts). */
export const awaitingBody = (draft: { draftId: string; state: string; contentHash: string }) => html`
  <p>Saved as draft <code>${draft.draftId}</code> (${draft.state}): it starts once another member who may
  approve approves its hash <code>${draft.contentHash}</code> with their passkey, on
  <a href="/console/drafts/${draft.draftId}">its page</a>.</p>`;
