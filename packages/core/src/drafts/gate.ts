import { createHash } from "node:crypto";
import type { Actor, AuditLog } from "../audit/index.ts";
import { IdempotencyKeyReusedError } from "../broadcast/errors.ts";
import { logger } from "../log.ts";
import type { MemberStore } from "../members/index.ts";
import type { DraftFlow } from "./flow.ts";
import { contentHashOf, type Draft, type DraftContent } from "./model.ts";
import type { DraftStore } from "./store.ts";

export type ApprovalGateDeps = {
  members: Pick<MemberStore, "anyActive">;
  drafts: DraftStore;
  flow: DraftFlow;
  audit: Pick<AuditLog, "record">;
  now: () => Date;
};

/** A broadcast request turned into a draft: the draft, and whether a retry under its key found it. */
export type GatedRequest = { draft: Draft; replayed: boolean };

/**
 * The two-person rule on the paths that used to start a broadcast at once (the seed's
 * POST /api/registration/broadcast, the console's send): with any active member, a request
 * becomes a draft with its approval asked; with none (a new stack), `undefined`, and it starts as
 * before. Under an Idempotency-Key the draft's id comes from the key, so a retry answers the same
 * draft, and another content under the key is refused.
 * @throws IdempotencyKeyReusedError
 */
export function createApprovalGate({ members, drafts, flow, audit, now }: ApprovalGateDeps) {
  return async function gate(
    { actor, ip }: { actor: Actor; ip?: string },
    content: DraftContent,
    idempotencyKey?: string,
  ): Promise<GatedRequest | undefined> {
    if (!(await members.anyActive())) return undefined;
    const draftId = idempotencyKey
      ? `req-${createHash("sha256").update(idempotencyKey).digest("hex").slice(0, 32)}`
      : crypto.randomUUID();
    const created = await drafts.create(draftId, content, actor, now());
    if (!created) {
      const first = (await drafts.get(draftId))!;
      if (first.revisions[0]?.contentHash !== contentHashOf(content))
        throw new IdempotencyKeyReusedError("This Idempotency-Key was used for another broadcast request");
      return { draft: first, replayed: true };
    }
    await audit.record({ actor, action: "draft.saved", object: draftId, ...(ip && { ip }) });
    logger.info("broadcast request awaits approval", { draftId });
    return { draft: await flow.requestApproval(draftId, actor, created.contentHash, ip), replayed: false };
  };
}

export type ApprovalGate = ReturnType<typeof createApprovalGate>;
