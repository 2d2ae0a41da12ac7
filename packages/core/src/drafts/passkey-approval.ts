import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import type { AuditLog } from "../audit/index.ts";
import type { Member } from "../members/index.ts";
import type { Passkeys } from "../members/passkeys.ts";
import { DraftNotFoundError, DraftStateError, PasskeyApprovalError } from "./errors.ts";
import type { DraftFlow } from "./flow.ts";
import type { Draft } from "./model.ts";
import type { DraftStore } from "./store.ts";

export type PasskeyApprovalDeps = {
  drafts: Pick<DraftStore, "get">;
  flow: Pick<DraftFlow, "approve">;
  passkeys: Pick<Passkeys, "approvalOptions" | "verifyApproval">;
  audit: Pick<AuditLog, "record">;
};

/**
 * The only way a draft is approved, on every path (console, API token, CLI): the approver's own
 * passkey signs a challenge bound to the member, the draft and its content hash, so a stolen
 * session cookie or token alone cannot approve, and an assertion made for one content cannot
 * approve another.
 */
export function createPasskeyApproval({ drafts, flow, passkeys, audit }: PasskeyApprovalDeps) {
  async function bound(member: Member, draftId: string) {
    const draft = await drafts.get(draftId);
    if (!draft) throw new DraftNotFoundError("No draft has this id");
    if (draft.state !== "pending") throw new DraftStateError(`The draft is ${draft.state}, not pending`);
    const { contentHash } = draft;
    return { contentHash, options: await passkeys.approvalOptions(member.id, { draftId, contentHash }) };
  }

  return {
    /** WebAuthn options for `member` to approve the draft's current content; the draft must be pending. */
    async options(member: Member, draftId: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
      return (await bound(member, draftId)).options;
    },

    /** The same options, with the content hash their challenge is bound to, for a caller to name back. */
    bound,

    /** Approves `contentHash` of the draft as `member`, once the assertion proves it; refusals are audited. */
    async approve(
      member: Member,
      draftId: string,
      contentHash: string,
      assertion: AuthenticationResponseJSON,
      ip?: string,
    ): Promise<Draft> {
      const verified = await passkeys.verifyApproval(member.id, { draftId, contentHash }, assertion);
      if ("refused" in verified) {
        const actor = { kind: "member" as const, id: member.id, name: member.name };
        await audit.record({
          actor,
          action: "draft.approval-refused",
          object: `${draftId} (${verified.refused})`,
          ...(ip && { ip }),
        });
        throw new PasskeyApprovalError(
          "This passkey assertion does not approve this draft's content: ask for new options",
        );
      }
      return flow.approve(draftId, { id: member.id, name: member.name }, contentHash, ip);
    },
  };
}

export type PasskeyApproval = ReturnType<typeof createPasskeyApproval>;
