import { Feed } from "feed";
import type { Announcement } from "./archive.ts";

/**
 * The archive's newest announcements as an Atom feed (RFC 4287) and a JSON Feed 1.1, made with
 * `feed`. Each entry carries the HTML as sent; its link is the announcement's page.
 */
export function archiveFeeds(announcements: Announcement[], { archiveUrl }: { archiveUrl: string }) {
  const feed = new Feed({
    title: "OpenEMR announcements",
    description: "Security and release announcements from the OpenEMR project, signed with OpenPGP",
    id: archiveUrl,
    link: archiveUrl,
    language: "en",
    copyright: "OpenEMR",
    updated: announcements[0] ? new Date(announcements[0].publishedAt) : new Date(0),
    feedLinks: { atom: `${archiveUrl}/feed.atom`, json: `${archiveUrl}/feed.json` },
    author: { name: "OpenEMR", link: "https://www.open-emr.org" },
  });
  for (const entry of announcements) {
    feed.addItem({
      title: entry.title,
      id: entry.url,
      link: entry.url,
      date: new Date(entry.publishedAt),
      description: entry.text.slice(0, 280),
      content: entry.html,
    });
  }
  return { atom: feed.atom1(), json: feed.json1() };
}
