import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { createDocumentClient } from "../aws/dynamo.ts";
import { createMemberStore, INVITATION_SECONDS } from "./store.ts";
import { createTokens } from "./tokens.ts";

const db = createDocumentClient();
const stateTable = Resource.State.name;
let clock = new Date("2026-12-06T12:00:00Z");
const now = () => clock;
const members = createMemberStore({ db, stateTable, now });
const tokens = createTokens({ db, stateTable, members, now });
const later = (seconds: number) => new Date(clock.getTime() + seconds * 1000);

async function activeMember(roles: ("compose" | "approve" | "admin")[]) {
  const { member, invitation } = await members.add({ name: "Ada", email: "ada@board.example", roles });
  expect(await members.accept(invitation.token)).toBe(member.id);
  return (await members.get(member.id))!;
}

describe("members", () => {
  it("joins through a single-use invitation whose token is stored only as a hash", async () => {
    const { member, invitation } = await members.add({ name: "Bea", email: "bea@board.example", roles: ["compose"] });
    expect(member).toMatchObject({ status: "invited", expiresAt: Math.floor(clock.getTime() / 1000) + 86_400 });
    const { Items } = await db.send(new ScanCommand({ TableName: stateTable }));
    expect(JSON.stringify(Items)).not.toContain(invitation.token);
    expect(await members.invitation(invitation.token)).toEqual({
      memberId: member.id,
      expiresAt: invitation.expiresAt,
    });
    const [first, second] = await Promise.all([members.accept(invitation.token), members.accept(invitation.token)]);
    expect([first, second].filter(Boolean)).toEqual([member.id]);
    expect(await members.get(member.id)).toMatchObject({ status: "active" });
    expect((await members.get(member.id))!.expiresAt).toBeUndefined();
    expect(await members.invitation(invitation.token)).toBeUndefined();
    expect(await members.anyActive()).toBe(true);
  });

  it("refuses an invitation after 24 hours", async () => {
    const { invitation } = await members.add({ name: "Cy", email: "cy@board.example", roles: ["compose"] });
    const start = clock;
    clock = later(INVITATION_SECONDS);
    expect(await members.invitation(invitation.token)).toBeUndefined();
    expect(await members.accept(invitation.token)).toBeUndefined();
    clock = start;
  });
});

describe("personal tokens", () => {
  it("carry the member's roles or fewer, keep their last use and are refused once revoked", async () => {
    const member = await activeMember(["compose", "approve"]);
    const { token, record } = await tokens.create(member, { name: "cli", roles: ["approve", "admin"], days: 30 });
    expect(record.roles).toEqual(["approve"]);
    const { Items } = await db.send(new ScanCommand({ TableName: stateTable }));
    expect(JSON.stringify(Items)).not.toContain(token);
    expect(await tokens.authenticate(token)).toMatchObject({ member: { id: member.id }, roles: ["approve"] });
    expect((await tokens.list(member.id))[0]).toMatchObject({ name: "cli", lastUsedAt: clock.toISOString() });
    expect(await tokens.authenticate(`${token.slice(0, -1)}x`)).toBeUndefined();
    expect(await tokens.revoke(member.id, record.tokenId)).toBe(true);
    expect(await tokens.authenticate(token)).toBeUndefined();
  });

  it("are refused after their expiry and once their member is revoked", async () => {
    const member = await activeMember(["admin"]);
    const short = await tokens.create(member, { name: "a", roles: ["admin"], days: 1 });
    const long = await tokens.create(member, { name: "b", roles: ["admin"], days: 90 });
    const start = clock;
    clock = later(86_400);
    expect(await tokens.authenticate(short.token)).toBeUndefined();
    expect(await tokens.authenticate(long.token)).toBeDefined();
    clock = start;
    expect(await members.revoke(member.id)).toMatchObject({ status: "revoked" });
    expect(await tokens.authenticate(long.token)).toBeUndefined();
    expect(await tokens.list(member.id)).toEqual([]);
  });

  it("lose the roles their member loses, at once, and a revoked member's roles stay as they were", async () => {
    const member = await activeMember(["compose", "approve"]);
    const { token } = await tokens.create(member, { name: "c", roles: ["compose", "approve"], days: 30 });
    expect(await members.setRoles(member.id, ["approve"])).toMatchObject({ roles: ["approve"] });
    expect(await tokens.authenticate(token)).toMatchObject({ roles: ["approve"] });
    await members.revoke(member.id);
    expect(await members.setRoles(member.id, ["admin"])).toBeUndefined();
    expect(await members.get(member.id)).toMatchObject({ roles: ["approve"], status: "revoked" });
    expect(await members.setRoles(crypto.randomUUID(), ["admin"])).toBeUndefined();
  });
});
