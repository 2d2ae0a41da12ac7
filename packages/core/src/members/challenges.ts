import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { webauthnChallengeKey } from "../state/keys.ts";

/** How long a ceremony may take between its options and its answer. */
export const CHALLENGE_SECONDS = 5 * 60;

/** What a draft's approval names: the passkey's assertion is over this draft at this content. */
export type ApprovalSubject = { draftId: string; contentHash: string };

/**
 * What a challenge was issued for: a member's new passkey (through an invitation or not), a sign-in,
 * or one member's approval of one draft's content (so a session or a token alone cannot approve).
 */
export type ChallengePurpose =
  | { kind: "register"; memberId: string; invitation?: string }
  | { kind: "authenticate" }
  | ({ kind: "approve"; memberId: string } & ApprovalSubject);

const epoch = (at: Date) => Math.floor(at.getTime() / 1000);

/**
 * WebAuthn challenges kept on the server, each under its own value: `issue` stores one with its
 * purpose, `take` removes it with a conditional delete that returns it, so the first answer that
 * names it consumes it whether its verification then succeeds or not, and a replay finds nothing.
 */
export function createChallenges({
  db,
  stateTable,
  now,
}: {
  db: DynamoDBDocumentClient;
  stateTable: string;
  now: () => Date;
}) {
  return {
    async issue(challenge: string, purpose: ChallengePurpose): Promise<void> {
      const Item = { ...webauthnChallengeKey(challenge), ...purpose, expiresAt: epoch(now()) + CHALLENGE_SECONDS };
      await db.send(new PutCommand({ TableName: stateTable, Item, ConditionExpression: "attribute_not_exists(pk)" }));
    },

    /** The challenge's purpose, once: `undefined` for an unknown, taken or expired one. */
    async take(challenge: string): Promise<ChallengePurpose | undefined> {
      const { Attributes } = await db
        .send(
          new DeleteCommand({
            TableName: stateTable,
            Key: webauthnChallengeKey(challenge),
            ConditionExpression: "attribute_exists(pk)",
            ReturnValues: "ALL_OLD",
          }),
        )
        .catch((error: unknown) => {
          if ((error as Error).name === "ConditionalCheckFailedException") return { Attributes: undefined };
          throw error;
        });
      // An expired one is deleted all the same: the TTL may be late, the answer never is.
      if (!Attributes || Attributes.expiresAt <= epoch(now())) return undefined;
      const { kind, memberId, invitation, draftId, contentHash } = Attributes;
      if (kind === "approve") return { kind, memberId, draftId, contentHash };
      return kind === "authenticate" ? { kind } : { kind, memberId, ...(invitation && { invitation }) };
    },
  };
}

export type Challenges = ReturnType<typeof createChallenges>;

/** The challenge an answer's `clientDataJSON` signed, or `undefined` when it is not one. */
export function challengeOf(clientDataJSON: string): string | undefined {
  try {
    const { challenge } = JSON.parse(Buffer.from(clientDataJSON, "base64url").toString("utf8"));
    return typeof challenge === "string" && /^[A-Za-z0-9_-]{16,128}$/.test(challenge) ? challenge : undefined;
  } catch {
    return undefined;
  }
}
