/** No draft has this id. */
export class DraftNotFoundError extends Error {
  override name = "DraftNotFoundError";
}

/** The draft is not in a state that allows this (started, cancelled, not pending, ...). */
export class DraftStateError extends Error {
  override name = "DraftStateError";
}

/** The content hash named is not the draft's: it was edited since. */
export class DraftChangedError extends Error {
  override name = "DraftChangedError";
}

/** The member who asked for approval cannot give it. */
export class SelfApprovalError extends Error {
  override name = "SelfApprovalError";
}

/** The approval request is older than the stage's APPROVAL_HOURS: it must be asked again. */
export class ApprovalExpiredError extends Error {
  override name = "ApprovalExpiredError";
}

/** The approver's passkey assertion is missing, or does not answer a challenge for this member, draft and hash. */
export class PasskeyApprovalError extends Error {
  override name = "PasskeyApprovalError";
}
