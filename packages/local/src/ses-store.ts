/** One email as the SES emulator (aws-ses-v2-local) keeps it. */
export type StoredEmail = {
  messageId: string;
  /** The From header's text, e.g. `"Jane" <jane@example.org>`. */
  from: string;
  /** Each header's text, which lists every address of that header. */
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { html?: string; text?: string };
  /** When it was sent, in whole seconds since the epoch. */
  at: number;
};

/** Every email the SES emulator at `endpoint` holds, or those sent from second `since` on. */
export async function storedEmails(
  endpoint: string,
  { since, signal }: { since?: number; signal?: AbortSignal } = {},
): Promise<StoredEmail[]> {
  const response = await fetch(`${endpoint}/store${since === undefined ? "" : `?since=${since}`}`, { signal });
  if (!response.ok) throw new Error(`SES emulator store answered ${response.status}`);
  return ((await response.json()) as { emails: StoredEmail[] }).emails;
}
