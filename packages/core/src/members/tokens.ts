import { randomBytes, timingSafeEqual } from "node:crypto";
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { ignoringConditionFailure, queryAll, retryingConflicts } from "../aws/dynamo.ts";
import { memberItemsPk, memberTokenKey, TOKEN_PREFIX } from "../state/keys.ts";
import { narrowRoles, type Role } from "./roles.ts";
import type { Member, MemberStore } from "./store.ts";
import { tokenHash } from "./store.ts";

/** A personal token as listed: never its value, which is shown once, when it is created. */
export type PersonalToken = {
  tokenId: string;
  name: string;
  roles: Role[];
  createdAt: string;
  /** Epoch seconds: refused from then on, and the State table's TTL removes it. */
  expiresAt: number;
  lastUsedAt?: string;
};

export const MAX_TOKEN_DAYS = 365;
/** `oemr_<member id>_<token id>_<secret>`: the ids find the item, the hash of the whole proves it. */
const TOKEN_FORMAT = /^oemr_([0-9a-f-]{36})_([0-9a-f-]{36})_([A-Za-z0-9-]{43})$/;
const epoch = (at: Date) => Math.floor(at.getTime() / 1000);

export type TokenDeps = {
  db: DynamoDBDocumentClient;
  stateTable: string;
  members: Pick<MemberStore, "get">;
  now?: () => Date;
};

/** The caller a token stands for: its member, with the roles the token and the member both hold. */
export type TokenCaller = { member: Member; roles: Role[]; tokenId: string };

export function createTokens({ db, stateTable, members, now = () => new Date() }: TokenDeps) {
  return {
    /** A new token for an active member, limited to the roles it holds; the value is returned only here. */
    async create(
      member: Member,
      { name, roles, days }: { name: string; roles: Role[]; days: number },
    ): Promise<{ token: string; record: PersonalToken }> {
      const at = now();
      const tokenId = crypto.randomUUID();
      // base64url without "_", which separates the parts.
      const secret = randomBytes(32).toString("base64url").replaceAll("_", "-");
      const token = `oemr_${member.id}_${tokenId}_${secret}`;
      const record: PersonalToken = {
        tokenId,
        name,
        roles: narrowRoles(member.roles, roles),
        createdAt: at.toISOString(),
        expiresAt: epoch(at) + Math.min(days, MAX_TOKEN_DAYS) * 86_400,
      };
      const Item = { ...memberTokenKey(member.id, tokenId), ...record, hash: tokenHash(token) };
      await db.send(new PutCommand({ TableName: stateTable, Item }));
      return { token, record };
    },

    async list(memberId: string): Promise<PersonalToken[]> {
      const items = await queryAll(db, {
        TableName: stateTable,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: { ":pk": memberItemsPk(memberId), ":prefix": TOKEN_PREFIX },
      });
      return items.map(({ tokenId, name, roles, createdAt, expiresAt, lastUsedAt }) => ({
        tokenId,
        name,
        roles,
        createdAt,
        expiresAt,
        ...(lastUsedAt ? { lastUsedAt } : {}),
      })) as PersonalToken[];
    },

    /** Deletes the token: refused from the next request on. `false` when it was not there. */
    async revoke(memberId: string, tokenId: string): Promise<boolean> {
      return ignoringConditionFailure(
        db.send(
          new DeleteCommand({
            TableName: stateTable,
            Key: memberTokenKey(memberId, tokenId),
            ConditionExpression: "attribute_exists(pk)",
          }),
        ),
      );
    },

    /**
     * Who the token stands for, or `undefined` for a malformed, unknown, revoked or expired one, or
     * one whose member is no longer active. Its last use is kept.
     */
    async authenticate(token: string): Promise<TokenCaller | undefined> {
      const [, memberId, tokenId] = TOKEN_FORMAT.exec(token) ?? [];
      if (!memberId || !tokenId) return undefined;
      const Key = memberTokenKey(memberId, tokenId);
      const [{ Item }, member] = await Promise.all([
        db.send(new GetCommand({ TableName: stateTable, Key, ConsistentRead: true })),
        members.get(memberId),
      ]);
      const at = now();
      if (!Item || !member || member.status !== "active" || Item.expiresAt <= epoch(at)) return undefined;
      const [given, stored] = [Buffer.from(tokenHash(token)), Buffer.from(String(Item.hash))];
      if (given.length !== stored.length || !timingSafeEqual(given, stored)) return undefined;
      await retryingConflicts(() =>
        ignoringConditionFailure(
          db.send(
            new UpdateCommand({
              TableName: stateTable,
              Key,
              UpdateExpression: "SET lastUsedAt = :at",
              ConditionExpression: "attribute_exists(pk)",
              ExpressionAttributeValues: { ":at": at.toISOString() },
            }),
          ),
        ),
      );
      return { member, roles: narrowRoles(member.roles, Item.roles as Role[]), tokenId };
    },
  };
}

export type Tokens = ReturnType<typeof createTokens>;
