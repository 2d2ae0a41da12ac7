import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type {
  AuthenticationResponseJSON,
  AuthenticatorTransport,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { queryAll, retryingConflicts, transactWrite } from "../aws/dynamo.ts";
import { memberItemsPk, memberPasskeyKey, PASSKEY_PREFIX, passkeyCredentialKey } from "../state/keys.ts";
import { type ApprovalSubject, type ChallengePurpose, challengeOf, createChallenges } from "./challenges.ts";
import type { Member, MemberStore } from "./store.ts";

/** A passkey as a member's page lists it. */
export type Passkey = { credentialId: string; name: string; createdAt: string; lastUsedAt?: string };
/** A verified new credential, not yet stored. */
export type NewCredential = { id: string; publicKey: string; counter: number; transports: AuthenticatorTransport[] };

/** Why a sign-in was refused: the audit log's reason, never a secret. */
export type SignInRefusal = "challenge" | "unknown-credential" | "member-not-active" | "invalid-assertion";
export type SignInResult = { member: Member; credentialId: string } | { refused: SignInRefusal; memberId?: string };

export type PasskeyDeps = {
  db: DynamoDBDocumentClient;
  stateTable: string;
  members: Pick<MemberStore, "get">;
  /** The stage's public URL: the relying party is its host name, the only origin accepted its origin. */
  publicUrl: string;
  now?: () => Date;
};

type StoredPasskey = Passkey & Omit<NewCredential, "id">;
/** Loaded with the first ceremony: the API's cold start does without it, as most requests sign no one in. */
const webauthn = () => import("@simplewebauthn/server");
const RP_NAME = "OpenEMR registrations";

/** The relying party of a stage: `localhost` and `http://localhost:<port>` under `npm start`. */
export function relyingParty(publicUrl: string) {
  const url = new URL(publicUrl);
  return { id: url.hostname, origin: url.origin };
}

/**
 * The WebAuthn ceremonies of the console (`@simplewebauthn/server`): a member's passkeys, each in
 * the member's partition, with a lookup item from its credential id to its member. User
 * verification is required; every challenge is single-use (`challenges.ts`).
 */
export function createPasskeys({ db, stateTable, members, publicUrl, now = () => new Date() }: PasskeyDeps) {
  const rp = relyingParty(publicUrl);
  const challenges = createChallenges({ db, stateTable, now });
  const expected = (challenge: string) => ({
    expectedChallenge: challenge,
    expectedOrigin: rp.origin,
    expectedRPID: rp.id,
  });

  const stored = async (memberId: string) =>
    queryAll(db, {
      TableName: stateTable,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      ExpressionAttributeValues: { ":pk": memberItemsPk(memberId), ":prefix": PASSKEY_PREFIX },
    }) as Promise<StoredPasskey[]>;

  /** The active member whose stored passkey made this assertion over `challenge`, or why not. */
  async function verifyAssertion(challenge: string, response: AuthenticationResponseJSON): Promise<SignInResult> {
    const lookup = await db.send(
      new GetCommand({ TableName: stateTable, Key: passkeyCredentialKey(response.id), ConsistentRead: true }),
    );
    const memberId = lookup.Item?.memberId as string | undefined;
    if (!memberId) return { refused: "unknown-credential" };
    const [member, { Item }] = await Promise.all([
      members.get(memberId),
      db.send(
        new GetCommand({ TableName: stateTable, Key: memberPasskeyKey(memberId, response.id), ConsistentRead: true }),
      ),
    ]);
    if (member?.status !== "active") return { refused: "member-not-active", memberId };
    if (!Item) return { refused: "unknown-credential", memberId };
    const credential = {
      id: response.id,
      publicKey: new Uint8Array(Buffer.from(String(Item.publicKey), "base64url")),
      counter: Number(Item.counter),
      transports: Item.transports as AuthenticatorTransport[],
    };
    // A counter that does not grow (where either is not 0) is a cloned key: refused by the library.
    const verification = await (await webauthn())
      .verifyAuthenticationResponse({ response, ...expected(challenge), credential, requireUserVerification: true })
      .catch(() => undefined);
    if (!verification?.verified) return { refused: "invalid-assertion", memberId };
    await retryingConflicts(() =>
      db.send(
        new UpdateCommand({
          TableName: stateTable,
          Key: memberPasskeyKey(memberId, response.id),
          UpdateExpression: "SET #counter = :counter, lastUsedAt = :at",
          ExpressionAttributeNames: { "#counter": "counter" },
          ExpressionAttributeValues: {
            ":counter": verification.authenticationInfo.newCounter,
            ":at": now().toISOString(),
          },
        }),
      ),
    );
    return { member, credentialId: response.id };
  }

  return {
    /** Options to create a passkey for `member`; through an invitation, `invitation` is its token's hash. */
    async registrationOptions(member: Member, invitation?: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
      const existing = await stored(member.id);
      const options = await (await webauthn()).generateRegistrationOptions({
        rpName: RP_NAME,
        rpID: rp.id,
        userName: member.email,
        userDisplayName: member.name,
        userID: new TextEncoder().encode(member.id),
        attestationType: "none",
        excludeCredentials: existing.map(({ credentialId, transports }) => ({ id: credentialId, transports })),
        authenticatorSelection: { residentKey: "required", userVerification: "required" },
      });
      const purpose: ChallengePurpose = { kind: "register", memberId: member.id, ...(invitation && { invitation }) };
      await challenges.issue(options.challenge, purpose);
      return options;
    },

    /**
     * The new credential, when `response` answers a challenge issued for this member (and this
     * invitation) that is still there; the challenge is consumed either way. Nothing is stored yet.
     */
    async verifyRegistration(
      memberId: string,
      response: RegistrationResponseJSON,
      invitation?: string,
    ): Promise<NewCredential | undefined> {
      const challenge = challengeOf(response.response.clientDataJSON);
      const purpose = challenge ? await challenges.take(challenge) : undefined;
      if (!challenge || purpose?.kind !== "register" || purpose.memberId !== memberId) return undefined;
      if (purpose.invitation !== invitation) return undefined;
      const verification = await (await webauthn())
        .verifyRegistrationResponse({
          response,
          ...expected(challenge),
          requireUserVerification: true,
        })
        .catch(() => undefined);
      if (!verification?.verified) return undefined;
      const { id, publicKey, counter, transports = [] } = verification.registrationInfo.credential;
      const key = Buffer.from(publicKey).toString("base64url");
      return { id, publicKey: key, counter, transports: transports as AuthenticatorTransport[] };
    },

    /** Stores a verified credential as the member's passkey named `name`, with its lookup; not one already taken. */
    async add(memberId: string, credential: NewCredential, name: string): Promise<Passkey | undefined> {
      const passkey: Passkey = { credentialId: credential.id, name, createdAt: now().toISOString() };
      const { id, ...key } = credential;
      const failed = await transactWrite(db, [
        {
          Put: {
            TableName: stateTable,
            Item: { ...passkeyCredentialKey(id), memberId },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
        { Put: { TableName: stateTable, Item: { ...memberPasskeyKey(memberId, id), ...passkey, ...key } } },
      ]);
      return failed ? undefined : passkey;
    },

    /** Options for a sign-in with any passkey of this site (discoverable credentials). */
    async authenticationOptions(): Promise<PublicKeyCredentialRequestOptionsJSON> {
      const options = await (await webauthn()).generateAuthenticationOptions({
        rpID: rp.id,
        userVerification: "required",
      });
      await challenges.issue(options.challenge, { kind: "authenticate" });
      return options;
    },

    /** Who signs in with this assertion, or why not; its challenge is consumed either way. */
    async authenticate(response: AuthenticationResponseJSON): Promise<SignInResult> {
      const challenge = challengeOf(response.response.clientDataJSON);
      const purpose = challenge ? await challenges.take(challenge) : undefined;
      if (!challenge || purpose?.kind !== "authenticate") return { refused: "challenge" };
      return verifyAssertion(challenge, response);
    },

    /** Options for `memberId` to approve this draft's content with one of its own passkeys. */
    async approvalOptions(memberId: string, subject: ApprovalSubject): Promise<PublicKeyCredentialRequestOptionsJSON> {
      const mine = await stored(memberId);
      const options = await (await webauthn()).generateAuthenticationOptions({
        rpID: rp.id,
        userVerification: "required",
        allowCredentials: mine.map(({ credentialId, transports }) => ({ id: credentialId, transports })),
      });
      await challenges.issue(options.challenge, { kind: "approve", memberId, ...subject });
      return options;
    },

    /**
     * Whether the assertion is `memberId`'s own passkey answering a challenge issued to that member
     * for this draft at this content hash; its challenge is consumed either way.
     */
    async verifyApproval(memberId: string, subject: ApprovalSubject, response: AuthenticationResponseJSON) {
      const challenge = challengeOf(response.response.clientDataJSON);
      const purpose = challenge ? await challenges.take(challenge) : undefined;
      const bound =
        purpose?.kind === "approve" &&
        purpose.memberId === memberId &&
        purpose.draftId === subject.draftId &&
        purpose.contentHash === subject.contentHash;
      if (!challenge || !bound) return { refused: "challenge" } satisfies SignInResult;
      const result = await verifyAssertion(challenge, response);
      return "member" in result && result.member.id !== memberId
        ? ({ refused: "unknown-credential", memberId } satisfies SignInResult)
        : result;
    },

    async list(memberId: string): Promise<Passkey[]> {
      return (await stored(memberId)).map(({ credentialId, name, createdAt, lastUsedAt }) => ({
        credentialId,
        name,
        createdAt,
        ...(lastUsedAt && { lastUsedAt }),
      }));
    },

    /** Removes a passkey and its lookup: refused from the next sign-in on. `false` when it was not there. */
    async remove(memberId: string, credentialId: string): Promise<boolean> {
      const { Attributes } = await db.send(
        new DeleteCommand({
          TableName: stateTable,
          Key: memberPasskeyKey(memberId, credentialId),
          ReturnValues: "ALL_OLD",
        }),
      );
      // Only the member's own: another member's credential id deletes nothing.
      if (!Attributes) return false;
      await db.send(new DeleteCommand({ TableName: stateTable, Key: passkeyCredentialKey(credentialId) }));
      return true;
    },
  };
}

export type Passkeys = ReturnType<typeof createPasskeys>;
