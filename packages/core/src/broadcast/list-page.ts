import * as z from "../zod-mini.ts";

/**
 * Where a page of the broadcasts' history ended: the last broadcast it showed. The next page starts
 * after it, so a broadcast created meanwhile (newer, at the top) shifts nothing.
 */
export const ListCursor = z.strictObject({
  createdAt: z.iso.datetime(),
  broadcastId: z.string().check(z.minLength(1), z.maxLength(100)),
});
export type ListCursor = z.infer<typeof ListCursor>;

/** What a page of the history asks for: at most `limit`, newest first, older than `after` if given. */
export type ListPageRequest = { limit: number; after?: ListCursor };

type Listed = { createdAt: string; broadcastId: string };

/** Newest first; broadcasts created the same millisecond in a fixed order, so a cursor between them holds. */
const newestFirst = (a: Listed, b: Listed) =>
  b.createdAt.localeCompare(a.createdAt) || b.broadcastId.localeCompare(a.broadcastId);

/**
 * One page of `items`, newest first, and the cursor of the next one when there are more. Pure: the
 * store reads the broadcasts' own items (small, a few a year) and reads counters only for the page.
 */
export function pageOf<T extends Listed>(items: T[], { limit, after }: ListPageRequest) {
  const sorted = [...items].sort(newestFirst);
  const older = after ? sorted.filter((item) => newestFirst(after, item) < 0) : sorted;
  const page = older.slice(0, limit);
  const last = page.at(-1);
  const next: ListCursor | undefined =
    older.length > limit && last ? { createdAt: last.createdAt, broadcastId: last.broadcastId } : undefined;
  return { page, next };
}

/** A cursor as a URL's query parameter: base64url JSON, which carries no character a URL must escape. */
export const encodeListCursor = (cursor: ListCursor) => Buffer.from(JSON.stringify(cursor)).toString("base64url");

/** The cursor a query parameter carries, or `undefined` when it is not one this service made. */
export function decodeListCursor(text: string): ListCursor | undefined {
  if (text.length > 400 || !/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  try {
    return ListCursor.safeParse(JSON.parse(Buffer.from(text, "base64url").toString("utf8"))).data;
  } catch {
    return undefined;
  }
}
