import type { Actor, AuditLog } from "../audit/index.ts";
import type { WorkQueue } from "../aws/sqs.ts";
import { startBroadcast } from "../broadcast/start.ts";
import type { BroadcastStore } from "../broadcast/store.ts";
import type { FanoutTask } from "../broadcast/tasks.ts";
import { logger } from "../log.ts";
import type { RegistrationStore } from "../registration/store.ts";
import {
  ApprovalExpiredError,
  DraftChangedError,
  DraftNotFoundError,
  DraftStateError,
  SelfApprovalError,
} from "./errors.ts";
import { type ApprovalRules, countingApprovals, type Draft, isSameActor } from "./model.ts";
import { type DraftStore, OPEN_STATES } from "./store.ts";

/** What the draft's life needs: its store, the list's reach, the broadcasts it starts, the audit log. */
export type DraftFlowDeps = {
  drafts: DraftStore;
  registrations: Pick<RegistrationStore, "audienceReach">;
  broadcasts: BroadcastStore;
  fanoutQueue: WorkQueue<FanoutTask>;
  audit: Pick<AuditLog, "record">;
  rules: ApprovalRules;
  /** Tells the members who may approve that a draft waits for them (never the requester). */
  notifyApprovers?: (draft: Draft, requester: Actor) => Promise<void>;
  now: () => Date;
};

/** An approving member, as an approval names it. */
export type Approver = { id: string; name: string };

/** A draft starts this long after it was taken for starting, if the one who took it never finished. */
export const STARTING_STALE_MS = 2 * 60 * 1000;

const must = async (draft: Promise<Draft | undefined>) => {
  const found = await draft;
  if (!found) throw new DraftNotFoundError("No draft has this id");
  return found;
};

/**
 * The board's rule for drafts: approval is asked for one content hash (recording the audience's
 * reach), approvals name that hash, and once enough members other than the requester approved
 * it, it starts (or waits for its `sendAt`). Every change is a conditional write on the draft's
 * own item, so concurrent approvals and overlapping cron runs start one broadcast.
 */
export function createDraftFlow(deps: DraftFlowDeps) {
  const { drafts, registrations, audit, rules, now } = deps;
  const record = (actor: Actor, action: string, object: string, ip?: string) =>
    audit.record({ actor, action, object, ...(ip && { ip }) });

  /** Asks for approval of the draft's current content. With 0 approvals required, it goes on at once. */
  async function requestApproval(draftId: string, by: Actor, contentHash?: string, ip?: string): Promise<Draft> {
    const draft = await must(drafts.get(draftId));
    if (contentHash && contentHash !== draft.contentHash)
      throw new DraftChangedError("The draft changed since this hash: ask again for its current content");
    const reach = await registrations.audienceReach(draft.audience);
    const at = now().toISOString();
    const pending = await drafts.transition(draftId, {
      from: ["draft", "pending"],
      to: "pending",
      contentHash: draft.contentHash,
      set: { approvalRequest: { by, at, contentHash: draft.contentHash, reach } },
    });
    if (!pending) throw new DraftStateError(`The draft is ${draft.state}, or changed meanwhile`);
    await record(by, "draft.approval-requested", draftId, ip);
    await deps.notifyApprovers?.(pending, by).catch((error: unknown) => {
      logger.warn("approvers not told", { draftId, error: (error as Error).message });
    });
    return startIfApproved(pending, by);
  }

  /**
   * The console's seam too: the console calls this after the approver's passkey assertion over
   * `contentHash`. Refuses the requester, another hash than the draft's, and an expired request.
   */
  async function approve(draftId: string, approver: Approver, contentHash: string, ip?: string): Promise<Draft> {
    const draft = await must(drafts.get(draftId));
    const request = draft.approvalRequest;
    if (draft.state !== "pending" || !request) throw new DraftStateError(`The draft is ${draft.state}, not pending`);
    if (contentHash !== draft.contentHash || contentHash !== request.contentHash)
      throw new DraftChangedError("The draft changed since: approve its current content hash");
    if (Date.parse(request.at) + rules.hours * 3_600_000 <= now().getTime())
      throw new ApprovalExpiredError(`The approval request is older than ${rules.hours} hours: ask again`);
    const actor: Actor = { kind: "member", ...approver };
    if (isSameActor(request.by, actor)) throw new SelfApprovalError("The member who asked for approval cannot give it");
    const approval = { by: { kind: "member" as const, ...approver }, at: now().toISOString(), contentHash };
    const approved = await drafts.addApproval(draftId, approval);
    if (!approved) {
      const now = await must(drafts.get(draftId));
      if (now.state !== "pending") throw new DraftStateError(`The draft is ${now.state}, not pending any more`);
      throw new DraftChangedError("The draft changed while it was approved: approve its current content");
    }
    await record(actor, "draft.approved", draftId, ip);
    return startIfApproved(approved, actor);
  }

  /** Starts, or schedules, a pending draft that has its approvals; otherwise leaves it. */
  async function startIfApproved(draft: Draft, actor: Actor): Promise<Draft> {
    if (countingApprovals(draft, rules, now()).length < rules.required) return draft;
    const common = { from: ["pending"] as const, contentHash: draft.contentHash };
    if (draft.sendAt && Date.parse(draft.sendAt) > now().getTime()) {
      const scheduled = await drafts.transition(draft.draftId, { ...common, to: "scheduled" });
      if (scheduled) await record(actor, "draft.scheduled", draft.draftId);
      return scheduled ?? must(drafts.get(draft.draftId));
    }
    return begin(draft.draftId, { ...common }, actor);
  }

  /** Takes the draft for starting (one caller wins the conditional write), then starts its broadcast. */
  async function begin(draftId: string, change: Parameters<DraftStore["transition"]>[1], actor: Actor) {
    const taken = await drafts.transition(draftId, {
      ...change,
      to: "starting",
      set: { startingAt: now().toISOString() },
    });
    if (!taken) return must(drafts.get(draftId));
    return launch(taken, actor);
  }

  /**
   * Starts the taken draft's broadcast. Its Idempotency-Key is the draft's: a second launch (the
   * cron's, after a crash between taking and finishing) answers the same broadcast.
   */
  async function launch(draft: Draft, actor: Actor): Promise<Draft> {
    const reachAtStart = await registrations.audienceReach(draft.audience);
    const reachAtApproval = draft.approvalRequest?.reach;
    const { broadcastId, replayed } = await startBroadcast(
      { broadcasts: deps.broadcasts, fanoutQueue: deps.fanoutQueue, now: now() },
      { title: draft.title, contents: draft.contents, ...(draft.html && { html: draft.html }) },
      {
        idempotencyKey: `draft-${draft.draftId}`,
        audience: draft.audience,
        ...(draft.archive === false && { archive: false }),
        origin: { draftId: draft.draftId, reachAtStart, ...(reachAtApproval && { reachAtApproval }) },
      },
    );
    const set = {
      broadcastId,
      startedAt: now().toISOString(),
      reachAtStart,
      ...(reachAtApproval && { reachAtApproval }),
    };
    const started = await drafts.transition(draft.draftId, { from: ["starting"], to: "started", set });
    logger.info("draft started", { draftId: draft.draftId, broadcastId, replayed });
    if (!replayed) await record(actor, "broadcast.started", broadcastId);
    return started ?? must(drafts.get(draft.draftId));
  }

  return {
    requestApproval,
    approve,

    /** Stops a draft that has not started; it never will. */
    async cancel(draftId: string, by: Actor, ip?: string): Promise<Draft> {
      const set = { cancelledAt: now().toISOString() };
      const cancelled = await drafts.transition(draftId, { from: OPEN_STATES, to: "cancelled", set });
      if (!cancelled) throw new DraftStateError(`The draft is ${(await must(drafts.get(draftId))).state}`);
      await record(by, "draft.cancelled", draftId, ip);
      return cancelled;
    },

    /**
     * The minute cron: starts every scheduled draft whose `sendAt` has come (never before: the
     * condition holds it), and finishes any left `starting` by a caller that died. Runs that overlap
     * race on the same conditional writes; one wins each draft.
     */
    async startDue(): Promise<string[]> {
      const at = now();
      const started: string[] = [];
      for (const summary of await drafts.list()) {
        const system: Actor = { kind: "system" };
        if (summary.state === "scheduled" && summary.sendAt && Date.parse(summary.sendAt) <= at.getTime()) {
          const draft = await begin(summary.draftId, { from: ["scheduled"], dueBy: at.toISOString() }, system);
          if (draft.state === "started") started.push(draft.draftId);
        }
        const { startingAt } = summary;
        if (summary.state === "starting" && startingAt && at.getTime() - Date.parse(startingAt) > STARTING_STALE_MS) {
          const draft = await launch(await must(drafts.get(summary.draftId)), system);
          if (draft.state === "started") started.push(draft.draftId);
        }
      }
      return started;
    },
  };
}

export type DraftFlow = ReturnType<typeof createDraftFlow>;
