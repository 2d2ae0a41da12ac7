import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import type { Actor } from "../audit/index.ts";
import { Audience, normalizeAudience } from "../registration/audience.ts";
import * as z from "../zod-mini.ts";

/**
 * A draft's life: `draft` (being written), `pending` (approval asked for this content), `scheduled`
 * (approved, waiting for its `sendAt`), `starting` (taken by one caller, its broadcast being
 * started), `started` (it is a broadcast now), `cancelled` (stopped before it started).
 */
export const DraftState = z.enum(["draft", "pending", "scheduled", "starting", "started", "cancelled"]);
export type DraftState = z.infer<typeof DraftState>;

/** The fields a save may set; what the content hash covers. */
export const DRAFT_FIELDS = ["title", "contents", "html", "audience", "sendAt", "archive"] as const;
export type DraftField = (typeof DRAFT_FIELDS)[number];

export type DraftContent = {
  title: string;
  contents: string;
  html?: string;
  audience?: Audience;
  /** UTC, ISO 8601 with `Z`: when an approved draft may start; absent, as soon as it is approved. */
  sendAt?: string;
  /** `false`: the broadcast it becomes stays out of the public archive. */
  archive?: false;
};

// zod/mini: the embargo function lists drafts every minute, and its cold start parses them
// (issue #26); the document describes their classic twins (http/draft-schemas.ts).
const Member = () => z.object({ kind: z.literal("member"), id: z.string(), name: z.string() });
const ActorSchema = z.union([Member(), z.object({ kind: z.enum(["PIN", "system"]) })]);

export const Revision = z.object({
  revision: z.int(),
  at: z.string(),
  by: ActorSchema,
  fields: z.described(z.array(z.string()), "The fields this save changed"),
  contentHash: z.string(),
});
export type Revision = z.infer<typeof Revision>;

// A new object each time, so that a description is its use's alone.
const Reach = () => z.object({ active: z.int(), reached: z.int(), unknownVersion: z.int() });

export const ApprovalRequest = z.object({
  by: ActorSchema,
  at: z.string(),
  contentHash: z.string(),
  reach: z.described(Reach(), "The audience's reach when approval was asked"),
});

export const Approval = z.object({ by: Member(), at: z.string(), contentHash: z.string() });
export type Approval = z.infer<typeof Approval>;

/** A draft as the API answers it and the store keeps it (its content apart). */
export const Draft = z.object({
  draftId: z.string(),
  state: DraftState,
  title: z.string(),
  contents: z.string(),
  html: z.optional(z.string()),
  audience: z.optional(Audience),
  sendAt: z.described(z.optional(z.string()), "UTC (`Z`): it starts within 60 s after this, never before"),
  archive: z.described(z.optional(z.literal(false)), "`false`: its broadcast stays out of the public archive"),
  contentHash: z.described(z.string(), "SHA-256 (hex) over the RFC 8785 form of the content and send time"),
  version: z.described(z.int(), "Its revision count: each save adds one"),
  createdAt: z.string(),
  updatedAt: z.string(),
  revisions: z.array(Revision),
  approvalRequest: z.optional(ApprovalRequest),
  approvals: z.described(z.array(Approval), "Every approval given, counted only for the current hash"),
  broadcastId: z.optional(z.string()),
  reachAtApproval: z.optional(Reach()),
  reachAtStart: z.optional(Reach()),
  startingAt: z.optional(z.string()),
  startedAt: z.optional(z.string()),
  cancelledAt: z.optional(z.string()),
});
export type Draft = z.infer<typeof Draft>;

/** SHA-256 over the RFC 8785 form of what an approval vouches for: any edit changes it. */
export function contentHashOf({ title, contents, html, audience, sendAt, archive }: DraftContent): string {
  const canonical = canonicalize({
    title,
    contents,
    html: html ?? null,
    audience: normalizeAudience(audience) ?? null,
    sendAt: sendAt ?? null,
    ...(archive === false && { archive }),
  });
  return createHash("sha256").update(canonical!).digest("hex");
}

/** The fields of `next` that differ from `previous`. */
export function changedFields(previous: DraftContent | undefined, next: DraftContent): DraftField[] {
  return DRAFT_FIELDS.filter((field) => canonicalize(previous?.[field] ?? null) !== canonicalize(next[field] ?? null));
}

/** Who an approval by `actor` would be: only a member approves. */
export const isSameActor = (a: Actor, b: Actor) =>
  a.kind === b.kind && (a.kind !== "member" || (b.kind === "member" && a.id === b.id));

export type ApprovalRules = {
  /** Approvals from members other than the requester before it starts (the stage's APPROVALS_REQUIRED). */
  required: number;
  /** How long an approval, and a request, counts (APPROVAL_HOURS). */
  hours: number;
};

/** The approvals that count now: for the requested hash, the current one, unexpired, not the requester's. */
export function countingApprovals(draft: Draft, rules: ApprovalRules, now: Date): Approval[] {
  const request = draft.approvalRequest;
  if (!request || request.contentHash !== draft.contentHash) return [];
  const oldest = now.getTime() - rules.hours * 3_600_000;
  const seen = new Set<string>();
  return draft.approvals.filter((approval) => {
    const counts =
      approval.contentHash === draft.contentHash &&
      Date.parse(approval.at) > oldest &&
      !isSameActor(approval.by, request.by) &&
      !seen.has(approval.by.id);
    seen.add(approval.by.id);
    return counts;
  });
}
