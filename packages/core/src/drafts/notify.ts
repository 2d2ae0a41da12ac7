import type { Actor } from "../audit/index.ts";
import { composeRawEmail, type MailSigner } from "../email/index.ts";
import { escapeHtml } from "../email/personalize.ts";
import type { Mailer } from "../email/ses-mailer.ts";
import { logger } from "../log.ts";
import type { MemberStore } from "../members/index.ts";
import type { Draft } from "./model.ts";

export type ApprovalNoticeDeps = {
  members: Pick<MemberStore, "list">;
  mailer: Mailer;
  /** The From header, as the confirmation email's. */
  from: string;
  publicUrl: string;
  signer: MailSigner;
};

export const approvalSubject = (title: string) => `Approval asked: ${title}`;

/**
 * Emails every active member who may approve, but the requester, that a draft waits for them:
 * through SES as the confirmation email goes, signed. The log names how many, never an address.
 */
export function createApprovalNotifier({ members, mailer, from, publicUrl, signer }: ApprovalNoticeDeps) {
  return async function notifyApprovers(draft: Draft, requester: Actor): Promise<void> {
    const approvers = (await members.list()).filter(
      (member) =>
        member.status === "active" &&
        member.roles.includes("approve") &&
        !(requester.kind === "member" && requester.id === member.id),
    );
    const by = requester.kind === "member" ? requester.name : "the board's PIN";
    const reach = draft.approvalRequest?.reach.reached ?? 0;
    const lines = [
      `${by} asks for approval of "${draft.title}", to ${reach} active addresses.`,
      `Draft ${draft.draftId}, content hash ${draft.contentHash}.`,
      `Read it: GET ${publicUrl}/api/drafts/${draft.draftId}; approve it with its hash: ` +
        `POST ${publicUrl}/api/drafts/${draft.draftId}/approve.`,
      draft.sendAt ? `It is embargoed until ${draft.sendAt}.` : "It starts once approved.",
    ];
    const paragraphs = lines.map((line) => `<p>${escapeHtml(line)}</p>`).join("");
    const html = `<!doctype html><html><body>${paragraphs}</body></html>`;
    for (const member of approvers) {
      const raw = await composeRawEmail({
        from,
        to: member.email,
        subject: approvalSubject(draft.title),
        html,
        text: `${lines.join("\n\n")}\n`,
        signer,
      });
      await mailer.sendRaw(raw, { purpose: "approval" });
    }
    logger.info("approvers told", { draftId: draft.draftId, approvers: approvers.length });
  };
}
