import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { etag } from "hono/etag";
import type { Archive } from "../announcements/archive.ts";
import { decodeListCursor, encodeListCursor } from "../broadcast/list-page.ts";
import type { MailSigner } from "../email/pgp-signer.ts";
import { announcementHeaders, announcementPage, archivePage } from "./announcement-pages.ts";
import { etagged, gatewayThrottled, htmlResponse, PUBLIC } from "./openapi.ts";

export type AnnouncementRoutesDeps = {
  /** The archive, loaded on first use: its renderer is no part of the API's cold start. */
  archive: () => Promise<Archive>;
  signer: Pick<MailSigner, "fingerprint">;
};

// Public and the same for everyone: caches may keep it a few minutes, then revalidate by ETag.
const CACHE_CONTROL = "public, max-age=300";
const BROADCAST_ID = /^[A-Za-z0-9-]{1,100}$/;
const Id = z.object({ id: z.string().meta({ param: { name: "id", in: "path" } }) });
const Page = z.object({ after: z.string().optional().meta({ description: 'The cursor an "Older" link carries' }) });
/** Each archive answer carries an ETag: the same one asked again answers 304. */
const NOT_MODIFIED = { 304: { description: "Not modified: the `If-None-Match` ETag still holds" } };
const feedResponse = (type: string) => ({
  200: { description: "The feed", headers: etagged, content: { [type]: { schema: z.string() } } },
  ...NOT_MODIFIED,
  429: gatewayThrottled,
});

const listRoute = createRoute({
  method: "get",
  path: "/announcements",
  operationId: "announcements",
  security: PUBLIC,
  summary: "The public archive: every announcement sent, newest first, a page at a time",
  request: { query: Page },
  responses: {
    200: { ...htmlResponse("The page"), headers: etagged },
    ...NOT_MODIFIED,
    400: htmlResponse("Not a cursor this archive made"),
  },
});
const atomRoute = createRoute({
  method: "get",
  path: "/announcements/feed.atom",
  operationId: "announcementsAtom",
  security: PUBLIC,
  summary: "The newest announcements as an Atom feed (RFC 4287)",
  responses: feedResponse("application/atom+xml"),
});
const jsonRoute = createRoute({
  method: "get",
  path: "/announcements/feed.json",
  operationId: "announcementsJsonFeed",
  security: PUBLIC,
  summary: "The newest announcements as a JSON Feed 1.1",
  responses: feedResponse("application/feed+json"),
});
const pageRoute = createRoute({
  method: "get",
  path: "/announcements/{id}",
  operationId: "announcement",
  security: PUBLIC,
  summary: "One announcement as sent, with its text clearsigned and how to check it with gpg",
  request: { params: Id },
  responses: {
    200: { ...htmlResponse("The announcement"), headers: etagged },
    ...NOT_MODIFIED,
    404: htmlResponse("No such announcement, or not yet sent"),
  },
});

/**
 * The public archive and its feeds, for anyone: nothing in it is personal. Script-free pages under
 * a strict CSP; every answer has an ETag, and `If-None-Match` gets 304.
 */
export function announcementRoutes({ archive, signer }: AnnouncementRoutesDeps) {
  const app = new OpenAPIHono();
  app.use("/announcements", etag(), announcementHeaders());
  app.use("/announcements/*", etag(), announcementHeaders());
  const cached = (c: Context) => c.header("Cache-Control", CACHE_CONTROL);

  app.openapi(listRoute, async (c) => {
    const { after } = c.req.valid("query");
    const cursor = after === undefined ? undefined : decodeListCursor(after);
    if (after !== undefined && !cursor)
      return c.html("<!doctype html><title>Bad cursor</title><p>Not a page of this archive.</p>", 400);
    const { announcements, next } = await (await archive()).page(cursor);
    cached(c);
    return c.html(archivePage(announcements, next && encodeListCursor(next)), 200);
  });
  const feeds = async (c: Context) => {
    const [{ archiveFeeds }, { announcements }] = await Promise.all([
      import("../announcements/feeds.ts"),
      (await archive()).page(),
    ]);
    cached(c);
    return archiveFeeds(announcements, { archiveUrl: new URL("/announcements", c.req.url).href });
  };
  app.openapi(atomRoute, async (c) => c.body((await feeds(c)).atom, 200, { "Content-Type": "application/atom+xml" }));
  app.openapi(jsonRoute, async (c) => c.body((await feeds(c)).json, 200, { "Content-Type": "application/feed+json" }));
  app.openapi(pageRoute, async (c) => {
    const { id } = c.req.valid("param");
    // A broadcast's id, as the console's pages take it: anything else names no announcement.
    const entry = BROADCAST_ID.test(id) ? await (await archive()).get(id) : undefined;
    if (!entry) return c.html("<!doctype html><title>Not found</title><p>No such announcement.</p>", 404);
    cached(c);
    return c.html(announcementPage(entry, await signer.fingerprint()), 200);
  });
  return app;
}
