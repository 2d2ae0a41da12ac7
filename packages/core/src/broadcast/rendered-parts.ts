/**
 * A broadcast's rendered parts, kept beside its content from the start, so that senders only
 * personalize and never load the Markdown and HTML tool chain at their cold start. Stored
 * gzipped on the content item: the content alone may take most of DynamoDB's 400 KB item, so
 * parts that would not fit are not kept, and a sender renders them itself as before.
 * @module
 */
import { gunzipSync, gzipSync } from "node:zlib";
import type { RenderedBroadcast } from "../email/render.ts";
import type { BroadcastContent } from "./store.ts";

/** What the content item may hold in all, with room for its keys and attribute names. */
const ITEM_BUDGET_BYTES = 380 * 1024;

/** The parts, packed to be stored with `content`; undefined when the item would not hold them. */
export function packRendered(content: BroadcastContent, rendered: RenderedBroadcast): Uint8Array | undefined {
  const packed = gzipSync(JSON.stringify(rendered));
  const contentBytes = [content.title, content.contents, content.html ?? ""].reduce(
    (sum, part) => sum + Buffer.byteLength(part, "utf8"),
    0,
  );
  return contentBytes + packed.byteLength <= ITEM_BUDGET_BYTES ? new Uint8Array(packed) : undefined;
}

export function unpackRendered(packed: Uint8Array): RenderedBroadcast {
  return JSON.parse(gunzipSync(packed).toString("utf8")) as RenderedBroadcast;
}

/**
 * The broadcast rendered as the senders send it, and packed. The renderer is imported here, on
 * the rare path that starts a broadcast, not at any handler's cold start.
 */
export async function renderAndPack(content: BroadcastContent): Promise<Uint8Array | undefined> {
  const { renderBroadcast } = await import("../email/render.ts");
  return packRendered(content, renderBroadcast(content));
}
