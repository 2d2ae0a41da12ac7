import { createHash, randomBytes } from "node:crypto";
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { ignoringConditionFailure, queryAll, retryingConflicts } from "../aws/dynamo.ts";
import {
  invitationKey,
  MEMBER_LIST_PK,
  memberItemsPk,
  memberKey,
  PASSKEY_PREFIX,
  passkeyCredentialKey,
} from "../state/keys.ts";
import type { Role } from "./roles.ts";

export type MemberStatus = "invited" | "active" | "revoked";
export type Member = {
  id: string;
  name: string;
  email: string;
  roles: Role[];
  status: MemberStatus;
  createdAt: string;
  /** Epoch seconds: set while invited (the invitation's end) and once revoked; none while active. */
  expiresAt?: number;
};

/** An invitation's link carries the token; only its hash is stored. */
export type Invitation = { token: string; memberId: string; expiresAt: number };

export const INVITATION_SECONDS = 24 * 60 * 60;
/** A revoked member's name and address stay this long, for the audit log's readers, then go. */
export const REVOKED_MEMBER_SECONDS = 30 * 24 * 60 * 60;

export const tokenHash = (token: string) => createHash("sha256").update(token).digest("hex");
const epoch = (at: Date) => Math.floor(at.getTime() / 1000);
const KEY = ["pk", "sk"];
const strip = <T>(item: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(item).filter(([name]) => !KEY.includes(name))) as T;

export type MemberStoreDeps = { db: DynamoDBDocumentClient; stateTable: string; now?: () => Date };

/** Members and their invitations. Tokens (tokens.ts) and passkeys live in each member's partition. */
export function createMemberStore({ db, stateTable, now = () => new Date() }: MemberStoreDeps) {
  const get = async (id: string): Promise<Member | undefined> => {
    const { Item } = await db.send(new GetCommand({ TableName: stateTable, Key: memberKey(id), ConsistentRead: true }));
    return Item && strip<Member>(Item);
  };

  const invite = async (memberId: string, at: Date): Promise<Invitation> => {
    const token = randomBytes(24).toString("base64url");
    const expiresAt = epoch(at) + INVITATION_SECONDS;
    const Item = { ...invitationKey(tokenHash(token)), memberId, expiresAt };
    await db.send(new PutCommand({ TableName: stateTable, Item, ConditionExpression: "attribute_not_exists(pk)" }));
    return { token, memberId, expiresAt };
  };

  return {
    get,

    /** Every member, invited, active or revoked (until the revoked ones' lifetime ends). */
    async list(): Promise<Member[]> {
      const items = await queryAll(db, {
        TableName: stateTable,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": MEMBER_LIST_PK },
      });
      return items.map((item) => strip<Member>(item));
    },

    /** Whether any member is active: from then on the PIN no longer opens the console. */
    async anyActive(): Promise<boolean> {
      const { Items } = await db.send(
        new QueryCommand({
          TableName: stateTable,
          KeyConditionExpression: "pk = :pk",
          FilterExpression: "#status = :active",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":pk": MEMBER_LIST_PK, ":active": "active" },
          ConsistentRead: true,
        }),
      );
      return (Items ?? []).length > 0;
    },

    /** A new member, invited: it lasts as long as its invitation unless the invitation is taken. */
    async add(fields: Pick<Member, "name" | "email" | "roles">): Promise<{ member: Member; invitation: Invitation }> {
      const at = now();
      const member: Member = {
        id: crypto.randomUUID(),
        ...fields,
        status: "invited",
        createdAt: at.toISOString(),
        expiresAt: epoch(at) + INVITATION_SECONDS,
      };
      await db.send(new PutCommand({ TableName: stateTable, Item: { ...memberKey(member.id), ...member } }));
      return { member, invitation: await invite(member.id, at) };
    },

    /** A new invitation for a member already there: how a member who lost every passkey adds one. */
    async reinvite(memberId: string): Promise<Invitation | undefined> {
      const member = await get(memberId);
      return member && member.status !== "revoked" ? invite(memberId, now()) : undefined;
    },

    /** The invitation this token opens, if it is still unused and unexpired; nothing is consumed. */
    async invitation(token: string): Promise<Omit<Invitation, "token"> | undefined> {
      const Key = invitationKey(tokenHash(token));
      const { Item } = await db.send(new GetCommand({ TableName: stateTable, Key, ConsistentRead: true }));
      if (!Item || Item.expiresAt <= epoch(now())) return undefined;
      return { memberId: Item.memberId, expiresAt: Item.expiresAt };
    },

    /**
     * Takes the invitation, once: the first of two concurrent acceptances gets the member's id,
     * the other `undefined`. The member becomes active and loses its lifetime.
     */
    async accept(token: string): Promise<string | undefined> {
      const { Attributes } = await db
        .send(
          new DeleteCommand({
            TableName: stateTable,
            Key: invitationKey(tokenHash(token)),
            ConditionExpression: "attribute_exists(pk) AND expiresAt > :now",
            ExpressionAttributeValues: { ":now": epoch(now()) },
            ReturnValues: "ALL_OLD",
          }),
        )
        .catch((error: unknown) => {
          if ((error as Error).name === "ConditionalCheckFailedException") return { Attributes: undefined };
          throw error;
        });
      const memberId = Attributes?.memberId as string | undefined;
      if (!memberId) return undefined;
      const activated = await ignoringConditionFailure(
        db.send(
          new UpdateCommand({
            TableName: stateTable,
            Key: memberKey(memberId),
            UpdateExpression: "SET #status = :active REMOVE expiresAt",
            ConditionExpression: "attribute_exists(pk) AND #status <> :revoked",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: { ":active": "active", ":revoked": "revoked" },
          }),
        ),
      );
      return activated ? memberId : undefined;
    },

    /**
     * A member's new roles, unless it is revoked. Its sessions and tokens carry them from the next
     * request on: both are narrowed to the member's roles as they are then.
     */
    async setRoles(memberId: string, roles: Role[]): Promise<Member | undefined> {
      const changed = await ignoringConditionFailure(
        db.send(
          new UpdateCommand({
            TableName: stateTable,
            Key: memberKey(memberId),
            UpdateExpression: "SET #roles = :roles",
            ConditionExpression: "attribute_exists(pk) AND #status <> :revoked",
            ExpressionAttributeNames: { "#roles": "roles", "#status": "status" },
            ExpressionAttributeValues: { ":roles": roles, ":revoked": "revoked" },
          }),
        ),
      );
      return changed ? get(memberId) : undefined;
    },

    /** Revokes a member at once: its tokens and passkeys are deleted, its sessions refused. */
    async revoke(memberId: string): Promise<Member | undefined> {
      const at = now();
      const revoked = await ignoringConditionFailure(
        db.send(
          new UpdateCommand({
            TableName: stateTable,
            Key: memberKey(memberId),
            UpdateExpression: "SET #status = :revoked, revokedAt = :at, expiresAt = :expires",
            ConditionExpression: "attribute_exists(pk)",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: {
              ":revoked": "revoked",
              ":at": at.toISOString(),
              ":expires": epoch(at) + REVOKED_MEMBER_SECONDS,
            },
          }),
        ),
      );
      if (!revoked) return undefined;
      const items = await queryAll(db, {
        TableName: stateTable,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": memberItemsPk(memberId) },
      });
      // A passkey's lookup first: from then on no sign-in finds the member through it.
      const keys = items.flatMap(({ pk, sk, credentialId }) =>
        String(sk).startsWith(PASSKEY_PREFIX) ? [passkeyCredentialKey(String(credentialId)), { pk, sk }] : [{ pk, sk }],
      );
      for (const Key of keys) await retryingConflicts(() => db.send(new DeleteCommand({ TableName: stateTable, Key })));
      return get(memberId);
    },
  };
}

export type MemberStore = ReturnType<typeof createMemberStore>;
