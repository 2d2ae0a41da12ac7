import { normalizeEmail } from "../address.ts";
import type { BroadcastEmailDeps } from "../broadcast/compose-email.ts";
import type { Mailer } from "../email/ses-mailer.ts";
import type { WindowCounter } from "../limits/window-counter.ts";
import { logger } from "../log.ts";
import type { Member, MemberStore } from "../members/index.ts";
import type { Draft } from "./model.ts";

/** Gmail clips a message larger than this: a test send over it says so. */
export const CLIP_BYTES = 100 * 1024;
/** Test sends a member (or the PIN) may make an hour, each to a few members. */
export const TEST_SENDS_PER_HOUR = 10;
export const TEST_PREFIX = "[Test] ";

export type TestSendDeps = BroadcastEmailDeps & {
  members: Pick<MemberStore, "get">;
  mailer: Mailer;
  attempts: WindowCounter;
};

export type TestSendResult = { sent: number; bytes: number; warnings: string[] };

/** A test send to someone who is not an active member: the route cannot relay mail. */
export class NotAMemberError extends Error {
  override name = "NotAMemberError";
}

/** The caller's test sends in this hour are spent. */
export class TestSendLimitError extends Error {
  override name = "TestSendLimitError";
  constructor(readonly retryAfterSeconds: number) {
    super(`At most ${TEST_SENDS_PER_HOUR} test sends an hour: try again in ${retryAfterSeconds} s`);
  }
}

/**
 * Sends a draft as its recipients would get it (the senders' own MIME, signed, with the same
 * headers and footer), subject prefixed "[Test] ", to active members only, named by id: never an
 * arbitrary address. Counted per caller in a window of an hour.
 * @throws NotAMemberError, TestSendLimitError
 */
export async function sendTest(
  deps: TestSendDeps,
  draft: Draft,
  { caller, memberIds, now }: { caller: string; memberIds: string[]; now: Date },
): Promise<TestSendResult> {
  const recipients: Member[] = [];
  for (const id of new Set(memberIds)) {
    const member = await deps.members.get(id);
    if (member?.status !== "active") throw new NotAMemberError(`No active member has the id ${id}`);
    recipients.push(member);
  }
  const window = await deps.attempts.take(caller, now, TEST_SENDS_PER_HOUR);
  if (!window.granted)
    throw new TestSendLimitError(Math.max(1, Math.ceil((window.endsAt.getTime() - now.getTime()) / 1000)));
  const [{ renderBroadcast }, { composeBroadcastEmail }] = await Promise.all([
    import("../email/render.ts"),
    import("../broadcast/compose-email.ts"),
  ]);
  const rendered = renderBroadcast({
    title: draft.title,
    contents: draft.contents,
    ...(draft.html && { html: draft.html }),
  });
  // As its broadcast will be: with the archive's link in the footer unless it stays out of it.
  const content = { ...rendered, subject: `${TEST_PREFIX}${rendered.subject}`, archived: draft.archive !== false };
  let bytes = 0;
  for (const member of recipients) {
    const email = normalizeEmail(member.email);
    // The broadcast id of a test is the draft's: its links work, and name no broadcast.
    const raw = await composeBroadcastEmail(deps, content, {
      email,
      address: member.email,
      broadcastId: `test-${draft.draftId}`,
    });
    bytes = Math.max(bytes, raw.length);
    await deps.mailer.sendRaw(raw, { purpose: "test" });
  }
  logger.info("draft test sent", { draftId: draft.draftId, recipients: recipients.length, bytes });
  const warnings =
    bytes > CLIP_BYTES
      ? [`The email is ${Math.ceil(bytes / 1024)} KB: Gmail clips a message over ${CLIP_BYTES / 1024} KB`]
      : [];
  return { sent: recipients.length, bytes, warnings };
}
