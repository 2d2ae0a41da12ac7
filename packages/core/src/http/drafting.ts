import type { CancelBroadcast } from "../broadcast/cancel.ts";
import type { DraftFlowDeps } from "../drafts/flow.ts";
import type { ApprovalGateDeps } from "../drafts/gate.ts";
import type { PasskeyApprovalDeps } from "../drafts/passkey-approval.ts";
import { onFirstUse } from "../on-first-use.ts";
import type { DraftTestDeps } from "./draft-test-route.ts";

/** What the app's drafts, the broadcasts' approval gate and their cancel need of the stack. */
export type DraftingDeps = Pick<DraftFlowDeps, "drafts" | "notifyApprovers"> &
  Pick<DraftTestDeps, "testSend"> & {
    /** The stage's APPROVALS_REQUIRED and APPROVAL_HOURS. */
    approvalRules: DraftFlowDeps["rules"];
    cancelBroadcast: CancelBroadcast;
  };

type Shared = Omit<DraftFlowDeps, "rules" | "drafts" | "notifyApprovers"> &
  Pick<ApprovalGateDeps, "members"> &
  Pick<PasskeyApprovalDeps, "passkeys">;

/**
 * The two-person rule (drafts/): its flow, the gate that turns a broadcast request into a draft,
 * and the passkey approval every path approves through (the API's and the console's), built with
 * the first request to an area that needs them (drafts, broadcasts, the console), as the app's
 * other rare areas load (lazy-routes.ts). The passkeys' own library loads with the first ceremony.
 */
export function lazyDrafting({ passkeys, ...shared }: Shared, deps: DraftingDeps) {
  return onFirstUse(async () => {
    const [{ createDraftFlow }, { createApprovalGate }, { createPasskeyApproval }] = await Promise.all([
      import("../drafts/flow.ts"),
      import("../drafts/gate.ts"),
      import("../drafts/passkey-approval.ts"),
    ]);
    // An app made for its document alone (openapi-lint, the contract's) has none of these: its routes are only read.
    const { drafts, notifyApprovers, approvalRules: rules } = deps ?? ({} as DraftingDeps);
    const flow = createDraftFlow({ ...shared, drafts, notifyApprovers, rules });
    return {
      ...(deps as DraftingDeps),
      flow,
      approvalGate: createApprovalGate({ ...shared, drafts, flow }),
      passkeyApproval: createPasskeyApproval({ drafts, flow, passkeys, audit: shared.audit }),
    };
  });
}
