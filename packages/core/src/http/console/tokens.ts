import { html } from "hono/html";
import { MAX_TOKEN_DAYS, type PersonalToken } from "../../members/index.ts";
import { csrfInput, sideways } from "./layout.ts";
import { formErrors, type MemberSession, roleBoxes, utc } from "./member-access.ts";
import { CONSOLE_PATH } from "./session.ts";

export const TOKENS_PATH = `${CONSOLE_PATH}/tokens`;
export const revokeTokenPath = (tokenId: string) => `${TOKENS_PATH}/${tokenId}/revoke`;

/** The create form as typed, shown back unchanged when something in it is wrong. */
export type TokenFields = { name: string; roles: string[]; days: string };
export const NO_TOKEN_FIELDS: TokenFields = { name: "", roles: [], days: "90" };

function tokenRows(session: MemberSession, tokens: PersonalToken[]) {
  if (tokens.length === 0) return html`<p id="no-tokens">You have no personal token.</p>`;
  const rows = tokens.map(
    (token) => html`<tr><th scope="row">${token.name}</th><td>${token.roles.join(", ")}</td>
<td>${utc(token.createdAt)}</td><td>${utc(token.expiresAt)}</td>
<td>${token.lastUsedAt ? utc(token.lastUsedAt) : "never"}</td>
<td><form method="post" action="${revokeTokenPath(token.tokenId)}">${csrfInput(session)}
<button class="secondary" aria-label="Revoke ${token.name}">Revoke</button></form></td></tr>`,
  );
  return sideways(
    "Your personal tokens",
    html`<table id="tokens"><caption>Your personal tokens</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Roles</th><th scope="col">Created</th><th scope="col">Expires</th>
<th scope="col">Last used</th><th scope="col">Revoke</th></tr></thead>
<tbody>${rows}</tbody></table>`,
  );
}

/** The member's tokens, and the form that makes one: its roles at most the member's own. */
export function tokensBody(
  session: MemberSession,
  tokens: PersonalToken[],
  fields: TokenFields = NO_TOKEN_FIELDS,
  errors: string[] = [],
) {
  return html`<p>A personal token lets the CLI or a script act as you, with the roles you give it (never more than
your own), until it expires or you revoke it. It is shown once, when it is made.</p>
${tokenRows(session, tokens)}
<h2 id="new-token">New token</h2>${formErrors("No token was made:", errors)}
<form method="post" action="${TOKENS_PATH}" aria-labelledby="new-token">${csrfInput(session)}
<label for="token-name">Name</label>
<p><input id="token-name" name="name" value="${fields.name}" maxlength="100" required></p>
<fieldset><legend>Roles</legend>${roleBoxes(session.caller.roles, fields.roles)}</fieldset>
<label for="token-days">Days until it expires (at most ${MAX_TOKEN_DAYS})</label>
<p><input id="token-days" name="days" type="number" min="1" max="${MAX_TOKEN_DAYS}" value="${fields.days}" required></p>
<button type="submit">Create token</button></form>`;
}

/** The one page that shows the token's value: it is stored only as a hash. */
export function createdBody(token: string, record: PersonalToken, origin: string) {
  return html`<p role="status">Your token <strong>${record.name}</strong> (${record.roles.join(", ")}) works until
${utc(record.expiresAt)}. <strong>Copy it now: it is shown this once, and never again.</strong></p>
<p><label for="token-value">Token</label></p>
<p><input id="token-value" value="${token}" readonly size="60"></p>
<h2>How to use it</h2>
<p>For the CLI: run <code>npx oemr-reg login --url ${origin}</code> and paste the token; it is kept in your config
folder, readable by you alone, and every command uses it instead of the PIN.</p>
<p>For a script: send it in the <code>Authorization</code> header:</p>
<pre><code>curl -H "Authorization: Bearer $OEMR_REG_TOKEN" ${origin}/api/members/me</code></pre>
<p><a href="${TOKENS_PATH}">Back to your tokens</a></p>`;
}
