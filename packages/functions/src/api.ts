import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import type { FanoutTask } from "@oemr-reg/core/broadcast/tasks";
import { senderAddress } from "@oemr-reg/core/email/sender";
import { createApp } from "@oemr-reg/core/http";
import { createPinGuard } from "@oemr-reg/core/limits/pin-guard";
import { createWindowCounter } from "@oemr-reg/core/limits/window-counter";
import { onFirstCall, onFirstSend, onFirstUse } from "@oemr-reg/core/on-first-use";
import { createAddressHasher } from "@oemr-reg/core/privacy/address-hash";
import { readOverview } from "@oemr-reg/core/registration/counters";
import { createDynamoRegistrationStore } from "@oemr-reg/core/registration/dynamo-store";
import { api } from "@oemr-reg/core/resources";
import { RATE_WINDOWS } from "@oemr-reg/core/state/keys";
import { createDynamoUsageStore } from "@oemr-reg/core/usage/dynamo-store";
import { handle } from "hono/aws-lambda";
import { Resource } from "sst";

const db = createDocumentClient();
const stateTable = Resource.State.name;
const tokenKey = Resource.UnsubscribeKey.value;
// What only the board's requests use (members, tokens, passkeys, the audit log, the console's
// stores) loads with the first call to it, not with a registration's cold start (issue #26).
const members = onFirstCall(async () =>
  (await import("@oemr-reg/core/members/store")).createMemberStore({ db, stateTable }),
);
const audit = onFirstCall(async () =>
  (await import("@oemr-reg/core/audit")).createAuditLog({
    db,
    stateTable,
    retentionDays: Resource.Settings.auditRetentionDays,
  }),
);
// Empty unless a rotation is under way: links signed with it keep working.
const previousTokenKey = Resource.UnsubscribeKeyPrevious.value;
// The signer loads with the first confirmation or key asked for; OpenPGP.js only for a key that
// Node's crypto does not sign with, or for the archive's clearsigned pages.
const signingKeys = { privateKey: Resource.SigningKey.value, retiredKeys: Resource.SigningKeysRetired.value };
const signer = onFirstCall(async () => (await import("@oemr-reg/core/email/pgp-signer")).createPgpSigner(signingKeys));
// The broadcast and draft stores load with the first request that reads one, never with a
// registration.
const broadcasts = onFirstCall(async () =>
  (await import("@oemr-reg/core/broadcast/dynamo-store")).createDynamoBroadcastStore({ db, stateTable }),
);
const drafts = onFirstCall(async () =>
  (await import("@oemr-reg/core/drafts/store")).createDraftStore({ db, stateTable }),
);
// The approvers' email and a draft's test, like the confirmation email: SES and nodemailer load on first use.
const draftMail = onFirstUse(async () => {
  const [{ SESClient }, { createSesMailer, fromAddress }, { createApprovalNotifier }] = await Promise.all([
    import("@aws-sdk/client-ses"),
    import("@oemr-reg/core/email/ses-mailer"),
    import("@oemr-reg/core/drafts/notify"),
  ]);
  const mailer = createSesMailer(new SESClient({}), { configurationSet: Resource.Mailer.configSet });
  const from = fromAddress(Resource.Mailer.sender);
  const { publicUrl } = Resource.Settings;
  const notify = createApprovalNotifier({ members, mailer, from, publicUrl, signer });
  return { notify, test: { members, mailer, from, publicUrl, unsubscribeKey: tokenKey, signer, attempts: testSends } };
});
const cancelBroadcast = onFirstUse(async () =>
  (await import("@oemr-reg/core/broadcast/cancel")).createBroadcastCancel({ db, stateTable, broadcasts }),
);
const testSends = createWindowCounter({ db, stateTable, name: RATE_WINDOWS.draftTestSends, windowSeconds: 60 * 60 });

/** Served as is by the local runner; wrapped for API Gateway below. */
export const app = createApp({
  registrations: createDynamoRegistrationStore({
    db,
    registrationsTable: Resource.Registrations.name,
    stateTable,
    addressHashes: createAddressHasher([tokenKey, previousTokenKey]),
    historyDays: Resource.Settings.historyRetentionDays,
  }),
  addressItems: onFirstCall(async () =>
    (await import("@oemr-reg/core/privacy/address-items")).createAddressItems({ db, stateTable }),
  ),
  registrationAttempts: createWindowCounter({
    db,
    stateTable,
    name: RATE_WINDOWS.registrationAttempts,
    windowSeconds: 60 * 60,
  }),
  registrationLimitPerHour: Resource.Settings.registrationLimitPerHour,
  // SES and nodemailer, and SQS below, load on first use: few requests need them (onFirstSend).
  confirmations: onFirstSend(async () => {
    const [{ SESClient }, { createSesMailer, fromAddress }, { createConfirmationSender }] = await Promise.all([
      import("@aws-sdk/client-ses"),
      import("@oemr-reg/core/email/ses-mailer"),
      import("@oemr-reg/core/registration/confirmation-sender"),
    ]);
    const mailer = createSesMailer(new SESClient({}), { configurationSet: Resource.Mailer.configSet });
    return createConfirmationSender({
      mailer,
      from: fromAddress(Resource.Mailer.sender),
      publicUrl: Resource.Settings.publicUrl,
      tokenKey,
      signer,
    });
  }),
  tokenKey,
  previousTokenKey,
  // Time to answer and log before the function's own timeout cuts the request off.
  deadlineMs: api.timeoutSeconds * 1000 - 1_500,
  publicUrl: Resource.Settings.publicUrl,
  broadcasts,
  // The two-person rule: drafts, approvals, test sends, cancel (drafts/, http/drafting.ts).
  drafting: {
    drafts,
    cancelBroadcast: async (...args) => (await cancelBroadcast())(...args),
    notifyApprovers: async (draft, requester) => (await draftMail()).notify(draft, requester),
    testSend: async (draftId, options) => {
      const { sendTest } = await import("@oemr-reg/core/drafts/test-send");
      return sendTest((await draftMail()).test, (await drafts.get(draftId))!, options);
    },
    approvalRules: { required: Resource.Settings.approvalsRequired, hours: Resource.Settings.approvalHours },
  },
  fanoutQueue: onFirstSend(async () => {
    const [{ SQSClient }, { createSqsQueue }] = await Promise.all([
      import("@aws-sdk/client-sqs"),
      import("@oemr-reg/core/aws/sqs"),
    ]);
    return createSqsQueue<FanoutTask>(new SQSClient({}), Resource.Fanout.url);
  }),
  pinGuard: createPinGuard({ db, stateTable }),
  usage: createDynamoUsageStore({ db, stateTable }),
  usageAttempts: {
    perIp: createWindowCounter({ db, stateTable, name: RATE_WINDOWS.usageReportsPerIp, windowSeconds: 60 * 60 }),
    perSite: createWindowCounter({
      db,
      stateTable,
      name: RATE_WINDOWS.usageReportsPerSite,
      windowSeconds: 24 * 60 * 60,
    }),
  },
  usageLimits: {
    perIpPerHour: Resource.Settings.usageLimitPerHour,
    perSitePerDay: Resource.Settings.usageLimitPerDay,
    retentionDays: Resource.Settings.usageRetentionDays,
  },
  secretPin: Resource.SecretPin.value,
  pinRoutes: Resource.Settings.pinRoutes,
  members,
  passkeys: onFirstCall(async () =>
    (await import("@oemr-reg/core/members/passkeys")).createPasskeys({
      db,
      stateTable,
      members,
      publicUrl: Resource.Settings.publicUrl,
    }),
  ),
  tokens: onFirstCall(async () =>
    (await import("@oemr-reg/core/members/tokens")).createTokens({ db, stateTable, members }),
  ),
  audit,
  overview: (weeks) => readOverview(db, stateTable, weeks),
  endedSessions: onFirstCall(async () =>
    (await import("@oemr-reg/core/http/console/ended-sessions")).createEndedSessions({ db, stateTable }),
  ),
  tallies: onFirstCall(async () =>
    (await import("@oemr-reg/core/tallies/snapshot")).createDynamoTalliesStore({ db, stateTable }),
  ),
  signer,
  senderAddress: senderAddress(Resource.Mailer.sender),
  // The renderer (marked, sanitize-html) loads with the first archive request only.
  archive: onFirstUse(async () => {
    const { createArchive } = await import("@oemr-reg/core/announcements/archive");
    return createArchive({ broadcasts, signer, publicUrl: Resource.Settings.publicUrl });
  }),
});

export const handler = handle(app);
