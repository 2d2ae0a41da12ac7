const base = (publicUrl: string) => publicUrl.replace(/\/+$/, "");

/**
 * The one-click unsubscribe link for a token, served by the registration API; `publicUrl` is
 * where the API is reached, with or without a trailing slash.
 */
export function unsubscribeUrl(publicUrl: string, token: string): string {
  return `${base(publicUrl)}/api/registration/unsubscribe/${encodeURIComponent(token)}`;
}

/** The link that confirms a re-registered address, served by the registration API. */
export function confirmUrl(publicUrl: string, token: string): string {
  return `${base(publicUrl)}/api/registration/confirm/${encodeURIComponent(token)}`;
}

/** The path of the owner's page of an address: what is kept, the download, unsubscribe and erase. */
export const privacyPath = (token: string) => `/api/registration/privacy/${encodeURIComponent(token)}`;

/** The owner's page, reached with the same token as the unsubscribe link, from every email's footer. */
export function privacyUrl(publicUrl: string, token: string): string {
  return `${base(publicUrl)}${privacyPath(token)}`;
}

/** The signing key, current and retired, armored: the footer of every email points here. */
export function signingKeyUrl(publicUrl: string): string {
  return `${base(publicUrl)}/announcements/key.asc`;
}

/** A broadcast's page in the public archive. */
export function announcementUrl(publicUrl: string, broadcastId: string): string {
  return `${base(publicUrl)}/announcements/${encodeURIComponent(broadcastId)}`;
}
