/**
 * The one-click unsubscribe link for a token, served by the registration API; `publicUrl` is
 * where the API is reached, with or without a trailing slash.
 */
export function unsubscribeUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/api/registration/unsubscribe/${encodeURIComponent(token)}`;
}
