import { z } from "@hono/zod-openapi";
import { type DraftContent, Draft as DraftModel } from "../drafts/model.ts";
import { BroadcastMessage } from "../email/message.ts";
import { Audience, normalizeAudience } from "../registration/audience.ts";
import { classicOf } from "../zod-classic.ts";
import { ApiError, invalidInput } from "./errors.ts";

/** The draft as the document describes it: the store's zod/mini schema's classic twin. */
export const Draft = classicOf(DraftModel) as unknown as z.ZodObject<{
  [K in keyof typeof DraftModel.shape]: z.ZodType;
}>;

/** A draft's content as a save sends it: a broadcast's fields, its audience, and an optional send time. */
export const DraftBody = BroadcastMessage.extend({
  audience: classicOf(Audience).optional(),
  sendAt: z.iso
    .datetime({ offset: true, error: "sendAt is an ISO 8601 time with its offset, e.g. 2026-12-24T09:00:00Z" })
    .optional()
    .meta({ description: "When it may start, with its offset; stored in UTC" }),
  archive: z.boolean().optional().meta({ description: "`false`: its broadcast stays out of the public archive" }),
});

export const ContentHashBody = z.object({
  contentHash: z.string().regex(/^[0-9a-f]{64}$/, "The draft's contentHash: 64 hex digits"),
});

/** Asking for approval may name the hash the requester saw, so that an edit meanwhile is caught. */
export const RequestApprovalBody = ContentHashBody.partial();

export const DraftList = z.object({
  drafts: z.array(Draft.omit({ contents: true, html: true }).extend({ contents: z.string().optional() })),
});

/** A broadcast request that waits for approval: what POST /api/registration/broadcast answers with members. */
export const BroadcastAwaitingApproval = z.object({
  status: z.literal("awaiting-approval"),
  draftId: z.string(),
  state: z.string().meta({ description: "The draft's state: `pending` until approved" }),
  broadcastId: z.string().optional().meta({ description: "Once started (a stage that requires no approval)" }),
});

/** The content of a save, checked; a `sendAt` is kept in UTC and must lie ahead. */
export async function readDraftContent(body: unknown, now: Date): Promise<DraftContent> {
  const parsed = DraftBody.safeParse(body);
  if (!parsed.success) throw invalidInput("InvalidDraftException", parsed.error);
  const { title, contents, html, audience, sendAt, archive } = parsed.data;
  // Rendering now refuses HTML that sanitizes to nothing, as a broadcast's POST does.
  const { renderBroadcast } = await import("../email/render.ts");
  renderBroadcast({ title, contents, ...(html !== undefined && { html }) });
  const at = sendAt === undefined ? undefined : new Date(sendAt);
  if (at && at.getTime() <= now.getTime())
    throw new ApiError(400, "InvalidDraftException", "sendAt must lie in the future");
  const normalized = normalizeAudience(audience);
  return {
    title,
    contents,
    ...(html !== undefined && { html }),
    ...(normalized && { audience: normalized }),
    ...(at && { sendAt: at.toISOString() }),
    ...(archive === false && { archive }),
  };
}
