/**
 * The State table's key layout: every kind of item it holds and the key each is stored under.
 * Each key prefix is written here and nowhere else; the stores, the bench and the tests build their
 * keys with these. The item's attributes are its store's to know.
 * @module
 */

export type StateKey = { pk: string; sk: string };

// Registration counters (registration/counters.ts): `count` and `active`, sharded by address.
export const registrationCounterShard = (shard: number): StateKey => ({ pk: `regcount#${shard}`, sk: "counter" });
/** The one counter the shards replaced; still read and added in. */
export const legacyRegistrationCounter: StateKey = { pk: "counter", sk: "registrations" };

// An address's history: its list changes (registration store) and SES events (SES events store).
export const addressHistoryPk = (email: string) => `address#${email}`;
export const LIST_CHANGE_PREFIX = "change#";
export const SES_EVENT_PREFIX = "event#";
export const listChangeSk = (at: string, type: string, unique: string) =>
  `${LIST_CHANGE_PREFIX}${at}#${type}#${unique}`;
export const sesEventSk = (occurredAt: string, sesMessageId: string, type: string) =>
  `${SES_EVENT_PREFIX}${occurredAt}#${sesMessageId}#${type}`;

// Broadcasts (broadcast/dynamo-store.ts): one partition lists them all, one holds each one's content.
export const BROADCAST_LIST_PK = "broadcast";
export const broadcastMeta = (broadcastId: string): StateKey => ({ pk: BROADCAST_LIST_PK, sk: broadcastId });
export const broadcastContent = (broadcastId: string): StateKey => ({ pk: `broadcast#${broadcastId}`, sk: "content" });
/** A request's Idempotency-Key, naming the broadcast it started. */
export const broadcastIdempotencyKey = (key: string): StateKey => ({ pk: `idem#${key}`, sk: "broadcast" });

// A broadcast's counters (broadcast/progress.ts), in shards.
export const broadcastProgressPk = (broadcastId: string) => `broadcast#${broadcastId}#progress`;
export const broadcastProgressShard = (broadcastId: string, shard: number): StateKey => ({
  pk: broadcastProgressPk(broadcastId),
  sk: `shard#${shard}`,
});

// One recipient's delivery (broadcast/delivery-store.ts), and the SES message id it was sent as.
export const deliveryKey = (broadcastId: string, email: string): StateKey => ({
  pk: `broadcast#${broadcastId}`,
  sk: `${DELIVERY_PREFIX}${email}`,
});
/** What every delivery's sort key starts with, beside its broadcast's content. */
export const DELIVERY_PREFIX = "to#";
const SES_MESSAGE_PREFIX = "sesmsg#";
export const sesMessageKey = (sesMessageId: string): StateKey => ({
  pk: `${SES_MESSAGE_PREFIX}${sesMessageId}`,
  sk: "mail",
});

// Drafts (drafts/store.ts): one partition lists them all (state, revisions, approvals), each
// content apart under its draft's partition, keyed by its content hash.
export const DRAFT_LIST_PK = "draft";
export const draftMeta = (draftId: string): StateKey => ({ pk: DRAFT_LIST_PK, sk: draftId });
export const draftContent = (draftId: string, contentHash: string): StateKey => ({
  pk: `draft#${draftId}`,
  sk: `content#${contentHash}`,
});

/** The senders' shared schedule of send slots (broadcast/pacing.ts). */
export const sendScheduleKey: StateKey = { pk: "pace#ses", sk: "schedule" };

/** Fixed-window hit counts (limits/window-counter.ts): what each kind of window counts. */
export const RATE_WINDOWS = {
  registrationAttempts: "regattempt",
  usageReportsPerIp: "usageip",
  usageReportsPerSite: "usagesite",
  pinFailuresPerIp: "pinfail",
  pinFailuresEverywhere: "pinlock",
  draftTestSends: "drafttest",
} as const;
export type RateWindow = (typeof RATE_WINDOWS)[keyof typeof RATE_WINDOWS];
export const rateWindowKey = (window: RateWindow, key: string): StateKey => ({ pk: `${window}#${key}`, sk: "window" });

/** A console session that was logged out (http/console/ended-sessions.ts), until it would have expired. */
export const endedConsoleSession = (sessionId: string): StateKey => ({
  pk: `consoleended#${sessionId}`,
  sk: "session",
});

// OpenEMR usage reports (usage/dynamo-store.ts): each report, and each site's latest in shards.
export const usageReportsPk = (siteId: string) => `usage#${siteId}`;
export const usageReportKey = (siteId: string, reportingDate: string): StateKey => ({
  pk: usageReportsPk(siteId),
  sk: `report#${reportingDate}`,
});
export const usageSitesPk = (shard: number) => `usagesites#${shard}`;

/** The console overview's tallies of the whole list, counted by the `Tallies` cron (tallies/snapshot.ts). */
export const talliesSnapshotKey: StateKey = { pk: "tallies#overview", sk: "latest" };

// The audit log (audit/store.ts): one partition of records in chain order, and the chain's head.
export const AUDIT_LOG_PK = "audit#log";
export const auditRecordKey = (seq: number): StateKey => ({ pk: AUDIT_LOG_PK, sk: String(seq).padStart(12, "0") });
export const auditHeadKey: StateKey = { pk: "audit#head", sk: "head" };

// Board members (members/): every member's profile in one partition, and each member's personal
// tokens and passkeys in a partition of their own; invitations by the hash of their token.
export const MEMBER_LIST_PK = "member#all";
export const memberKey = (memberId: string): StateKey => ({ pk: MEMBER_LIST_PK, sk: memberId });
export const memberItemsPk = (memberId: string) => `member#${memberId}`;
export const TOKEN_PREFIX = "token#";
export const PASSKEY_PREFIX = "passkey#";
export const memberTokenKey = (memberId: string, tokenId: string): StateKey => ({
  pk: memberItemsPk(memberId),
  sk: `${TOKEN_PREFIX}${tokenId}`,
});
export const memberPasskeyKey = (memberId: string, credentialId: string): StateKey => ({
  pk: memberItemsPk(memberId),
  sk: `${PASSKEY_PREFIX}${credentialId}`,
});
export const invitationKey = (tokenHash: string): StateKey => ({ pk: `invite#${tokenHash}`, sk: "invitation" });
/** Which member a passkey is, by its credential id: how a sign-in finds it (members/passkeys.ts). */
export const passkeyCredentialKey = (credentialId: string): StateKey => ({
  pk: `credential#${credentialId}`,
  sk: "passkey",
});
/** A WebAuthn challenge, single-use, until it is taken or its few minutes end (members/challenges.ts). */
export const webauthnChallengeKey = (challenge: string): StateKey => ({ pk: `challenge#${challenge}`, sk: "webauthn" });
/**
 * An erased address, by its keyed hash only (privacy/address-hash.ts): its next registration waits
 * for its owner's confirmation (registration/suppression.ts).
 */
export const suppressionKey = (addressHash: string): StateKey => ({ pk: `erased#${addressHash}`, sk: "suppressed" });

/**
 * Every kind of State item that holds an address, and where an address's items of that kind are
 * found: under its history partition, under each broadcast's partition, or named by a delivery
 * record. The owner's export and erase (privacy/) must handle each kind listed here, and the type
 * checker holds them to it: a new kind of item that holds an address is added here with its finder.
 */
export const ADDRESS_ITEM_KINDS = {
  listChange: { foundBy: "history", prefix: LIST_CHANGE_PREFIX },
  sesEvent: { foundBy: "history", prefix: SES_EVENT_PREFIX },
  delivery: { foundBy: "broadcast", prefix: DELIVERY_PREFIX },
  sesMessage: { foundBy: "delivery", prefix: SES_MESSAGE_PREFIX },
} as const;
export type AddressItemKind = keyof typeof ADDRESS_ITEM_KINDS;
