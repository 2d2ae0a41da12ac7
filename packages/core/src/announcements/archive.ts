import type { ListCursor } from "../broadcast/list-page.ts";
import type { Broadcast, BroadcastStore } from "../broadcast/store.ts";
import { announcementUrl } from "../email/links.ts";
import type { MailSigner } from "../email/pgp-signer.ts";
import { renderBroadcast } from "../email/render.ts";

/** One announcement as the archive shows it: what every recipient got, without their footer. */
export type Announcement = {
  id: string;
  title: string;
  /** When it started going out: its date in the archive. */
  publishedAt: string;
  url: string;
  /** The sanitized HTML part and the text part, as sent, before the personal footer. */
  html: string;
  text: string;
};

export type ArchiveDeps = {
  broadcasts: Pick<BroadcastStore, "list" | "get" | "content">;
  signer: Pick<MailSigner, "clearsign">;
  /** The API's public URL, the base of each announcement's address. */
  publicUrl: string;
};

/** Announcements a page of the archive lists at most. */
export const ARCHIVE_PAGE = 20;

/**
 * In the archive from the moment it starts going out, unless the board kept it out; a queued
 * broadcast is not yet announced.
 */
const published = (broadcast: Broadcast): broadcast is Broadcast & { startedAt: string } =>
  broadcast.startedAt !== undefined && broadcast.status !== "queued" && broadcast.archive !== false;

/**
 * The public archive of broadcasts, read from the broadcast store: nothing of a recipient, only
 * what every recipient was sent. Each announcement's text is clearsigned with the key that signs
 * the email, once per warm process.
 */
export function createArchive({ broadcasts, signer, publicUrl }: ArchiveDeps) {
  const clearsigned = new Map<string, Promise<string>>();

  async function announcement(broadcast: Broadcast & { startedAt: string }): Promise<Announcement | undefined> {
    const content = await broadcasts.content(broadcast.broadcastId);
    if (!content) return undefined;
    const { html, text } = renderBroadcast(content);
    const id = broadcast.broadcastId;
    return {
      id,
      title: content.title,
      publishedAt: broadcast.startedAt,
      url: announcementUrl(publicUrl, id),
      html,
      text,
    };
  }

  return {
    /** A page of announcements, newest first, and the cursor of the next when there are more. */
    async page(after?: ListCursor): Promise<{ announcements: Announcement[]; next?: ListCursor }> {
      // The store's pages hold queued broadcasts too: read on until a full page of published ones,
      // and end it at the last one shown, so that the next page starts right after it.
      const chosen: (Broadcast & { startedAt: string })[] = [];
      let next: ListCursor | undefined;
      for (let cursor = after; ; ) {
        const listed = await broadcasts.list({ limit: ARCHIVE_PAGE, after: cursor });
        for (const broadcast of listed.broadcasts.filter(published)) {
          if (chosen.length === ARCHIVE_PAGE) {
            const last = chosen.at(-1)!;
            next = { createdAt: last.createdAt, broadcastId: last.broadcastId };
            break;
          }
          chosen.push(broadcast);
        }
        cursor = listed.next;
        if (next || !cursor) break;
      }
      const shown = await Promise.all(chosen.map(announcement));
      return { announcements: shown.filter((entry) => entry !== undefined), next };
    },

    /** One announcement with its clearsigned text, or `undefined` when it is not (yet) public. */
    async get(id: string): Promise<(Announcement & { clearsigned: string }) | undefined> {
      const broadcast = await broadcasts.get(id);
      if (!broadcast || !published(broadcast)) return undefined;
      const entry = await announcement(broadcast);
      if (!entry) return undefined;
      let signed = clearsigned.get(id);
      if (!signed) {
        signed = signer.clearsign(`${entry.title}\n\n${entry.text}\n`);
        signed.catch(() => clearsigned.delete(id));
        clearsigned.set(id, signed);
      }
      return { ...entry, clearsigned: await signed };
    },
  };
}

export type Archive = ReturnType<typeof createArchive>;
