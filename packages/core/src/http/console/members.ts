import { html } from "hono/html";
import { maskEmail } from "../../address.ts";
import { type Invitation, type Member, ROLES } from "../../members/index.ts";
import { csrfInput, sideways } from "./layout.ts";
import { formErrors, type MemberSession, roleBoxes, utc } from "./member-access.ts";
import { CONSOLE_PATH } from "./session.ts";

export const MEMBERS_PATH = `${CONSOLE_PATH}/members`;
export const memberPath = (memberId: string, action: "revoke" | "reinvite" | "roles") =>
  `${MEMBERS_PATH}/${memberId}/${action}`;
/** Where an invitation's link leads: the page whose button registers the new member's passkey. */
export const invitationUrl = (origin: string, token: string) => `${origin}${CONSOLE_PATH}/invitation/${token}`;

/** The invitation form as typed, shown back unchanged when something in it is wrong. */
export type InviteFields = { name: string; email: string; roles: string[] };
export const NO_INVITE_FIELDS: InviteFields = { name: "", email: "", roles: [] };

/** Why a member may not revoke itself or change its own roles: the board must keep an admin. */
export const NOT_YOURSELF =
  "You cannot revoke yourself or change your own roles: another admin must, so that the board always keeps " +
  "someone who can manage its members";

const statusText = (member: Member) =>
  member.status === "invited" ? `invited, until ${utc(member.expiresAt)}` : member.status;

function actions(session: MemberSession, member: Member) {
  if (member.status === "revoked") return html`<td>${member.roles.join(", ")}</td><td>—</td>`;
  if (member.id === session.caller.member.id) return html`<td>${member.roles.join(", ")}</td><td>You.</td>`;
  const post = (action: "revoke" | "reinvite" | "roles") => memberPath(member.id, action);
  return html`<td><form method="post" action="${post("roles")}" aria-label="Roles of ${member.name}">
${csrfInput(session)}${roleBoxes(ROLES, member.roles)}<button class="secondary">Change roles</button></form></td>
<td><form method="post" action="${post("reinvite")}">${csrfInput(session)}
<button class="secondary" aria-label="New invitation for ${member.name}">New invitation</button></form>
<form method="post" action="${post("revoke")}">${csrfInput(session)}
<button aria-label="Revoke ${member.name}">Revoke</button></form></td>`;
}

/** Every member, with the forms that manage each, and the form that invites one. */
export function membersBody(
  session: MemberSession,
  members: Member[],
  fields: InviteFields = NO_INVITE_FIELDS,
  errors: string[] = [],
) {
  const sorted = members.toSorted((a, b) => a.createdAt.localeCompare(b.createdAt));
  const rows = sorted.map(
    (member) => html`<tr data-member="${member.id}"><th scope="row">${member.name}</th>
<td>${maskEmail(member.email)}</td><td>${statusText(member)}</td><td>${utc(member.createdAt)}</td>
${actions(session, member)}</tr>`,
  );
  return html`<p>Everyone who may sign in to the console. Revoking a member ends its sessions and tokens at once;
"New invitation" gives one who lost every passkey a link to add one. ${NOT_YOURSELF}.</p>
${sideways(
  "Members",
  html`<table id="members"><caption>Members</caption><thead><tr><th scope="col">Name</th><th scope="col">Address</th>
<th scope="col">Status</th><th scope="col">Created</th><th scope="col">Roles</th><th scope="col">Actions</th>
</tr></thead>
<tbody>${rows}</tbody></table>`,
)}
<h2 id="invite">Invite a member</h2>${formErrors("No one was invited:", errors)}
<form method="post" action="${MEMBERS_PATH}" aria-labelledby="invite">${csrfInput(session)}
<label for="member-name">Name</label>
<p><input id="member-name" name="name" value="${fields.name}" maxlength="100" required></p>
<label for="member-email">Email address</label>
<p><input id="member-email" name="email" type="email" value="${fields.email}" maxlength="254" required></p>
<fieldset><legend>Roles</legend>${roleBoxes(ROLES, fields.roles)}</fieldset>
<button type="submit">Invite</button></form>`;
}

/** The one page that shows an invitation's link: only its hash is stored. */
export function invitationBody(member: Member, invitation: Invitation, origin: string) {
  return html`<p role="status">Send <strong>${member.name}</strong> this link. It works once, until
${utc(invitation.expiresAt)} (24 hours), and opens the page where they create a passkey.
<strong>It is shown this once.</strong></p>
<p><label for="invitation-link">Invitation link</label></p>
<p><input id="invitation-link" value="${invitationUrl(origin, invitation.token)}" readonly size="80"></p>
<p><a href="${MEMBERS_PATH}">Back to the members</a></p>`;
}
