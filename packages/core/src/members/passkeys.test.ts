import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { createDocumentClient } from "../aws/dynamo.ts";
import { passkeyCredentialKey } from "../state/keys.ts";
import { CHALLENGE_SECONDS, createChallenges } from "./challenges.ts";
import { createPasskeys, relyingParty } from "./passkeys.ts";
import { createMemberStore } from "./store.ts";

const db = createDocumentClient();
const stateTable = Resource.State.name;
let clock = new Date("2026-12-06T12:00:00Z");
const now = () => clock;
const members = createMemberStore({ db, stateTable, now });
const passkeys = createPasskeys({ db, stateTable, members, publicUrl: "https://reg.example.org/", now });
const challenges = createChallenges({ db, stateTable, now });
const credential = (id: string) => ({ id, publicKey: "cHVibGlj", counter: 0, transports: ["internal" as const] });
/** An answer that names `challenge` and proves nothing: enough to see which challenges a ceremony takes. */
const answerTo = (challenge: string) => {
  const clientDataJSON = Buffer.from(JSON.stringify({ challenge })).toString("base64url");
  return { id: "x", rawId: "x", type: "public-key", response: { clientDataJSON }, clientExtensionResults: {} } as never;
};
const lookup = async (id: string) =>
  (await db.send(new GetCommand({ TableName: stateTable, Key: passkeyCredentialKey(id), ConsistentRead: true }))).Item;

describe("passkeys", () => {
  it("take the relying party from the public URL", () => {
    expect(relyingParty("https://reg.example.org/")).toEqual({
      id: "reg.example.org",
      origin: "https://reg.example.org",
    });
    expect(relyingParty("http://localhost:8787")).toEqual({ id: "localhost", origin: "http://localhost:8787" });
  });

  it("have single-use challenges that expire", async () => {
    const options = await passkeys.authenticationOptions();
    expect(options).toMatchObject({ rpId: "reg.example.org", userVerification: "required" });
    const taken = await Promise.all([challenges.take(options.challenge), challenges.take(options.challenge)]);
    expect(taken.filter(Boolean)).toEqual([{ kind: "authenticate" }]);
    await challenges.issue("a-challenge-that-expires", { kind: "authenticate" });
    const start = clock;
    clock = new Date(start.getTime() + CHALLENGE_SECONDS * 1000);
    expect(await challenges.take("a-challenge-that-expires")).toBeUndefined();
    clock = start;
  });

  it("are listed, removed by their member only, and go with a revoked member", async () => {
    const { member } = await members.add({ name: "Dee", email: "dee@board.example", roles: ["compose"] });
    const { member: other } = await members.add({ name: "Eve", email: "eve@board.example", roles: ["compose"] });
    const options = await passkeys.registrationOptions(member);
    expect(options.authenticatorSelection).toMatchObject({ residentKey: "required", userVerification: "required" });
    const [a, b] = [`a${crypto.randomUUID()}`, `b${crypto.randomUUID()}`];
    await passkeys.add(member.id, credential(a), "Laptop");
    await passkeys.add(member.id, credential(b), "Phone");
    expect(await passkeys.add(other.id, credential(a), "Stolen")).toBeUndefined();
    expect((await passkeys.list(member.id)).map(({ name }) => name).sort()).toEqual(["Laptop", "Phone"]);
    expect((await passkeys.registrationOptions(member)).excludeCredentials).toHaveLength(2);
    expect(await passkeys.remove(other.id, a)).toBe(false);
    expect(await lookup(a)).toMatchObject({ memberId: member.id });
    expect(await passkeys.remove(member.id, a)).toBe(true);
    expect(await lookup(a)).toBeUndefined();
    await members.revoke(member.id);
    expect(await lookup(b)).toBeUndefined();
    expect(await passkeys.list(member.id)).toEqual([]);
  });

  it("take a challenge only for the ceremony and the member it was issued for, and only once", async () => {
    const { member } = await members.add({ name: "Fay", email: "fay@board.example", roles: ["compose"] });
    const { member: other } = await members.add({ name: "Gil", email: "gil@board.example", roles: ["compose"] });
    const registration = await passkeys.registrationOptions(member);
    expect(await passkeys.authenticate(answerTo(registration.challenge))).toEqual({ refused: "challenge" });
    const again = await passkeys.registrationOptions(member);
    expect(await passkeys.verifyRegistration(other.id, answerTo(again.challenge))).toBeUndefined();
    // Taken by that refusal: the right member's answer finds it gone.
    expect(await challenges.take(again.challenge)).toBeUndefined();
    const invited = await passkeys.registrationOptions(member, "an-invitation-hash");
    expect(await passkeys.verifyRegistration(member.id, answerTo(invited.challenge))).toBeUndefined();
    const signIn = await passkeys.authenticationOptions();
    expect(await passkeys.authenticate(answerTo(signIn.challenge))).toEqual({ refused: "unknown-credential" });
    expect(await passkeys.authenticate(answerTo(signIn.challenge))).toEqual({ refused: "challenge" });
  });

  it("take an approval's challenge only from its member, for its draft at its content hash", async () => {
    const { member } = await members.add({ name: "Hal", email: "hal@board.example", roles: ["approve"] });
    const { member: other } = await members.add({ name: "Ida", email: "ida@board.example", roles: ["approve"] });
    const key = `h${crypto.randomUUID()}`;
    await passkeys.add(member.id, credential(key), "Laptop");
    const subject = { draftId: "draft-1", contentHash: "a".repeat(64) };
    const options = await passkeys.approvalOptions(member.id, subject);
    expect(options.allowCredentials?.map(({ id }) => id)).toEqual([key]);
    expect(await passkeys.verifyApproval(other.id, subject, answerTo(options.challenge))).toEqual({
      refused: "challenge",
    });
    // That refusal took it: even its own member cannot use it now.
    expect(await passkeys.verifyApproval(member.id, subject, answerTo(options.challenge))).toEqual({
      refused: "challenge",
    });
    for (const [draftId, contentHash] of [
      ["draft-2", subject.contentHash],
      [subject.draftId, "b".repeat(64)],
    ] as const) {
      const asked = await passkeys.approvalOptions(member.id, subject);
      expect(await passkeys.verifyApproval(member.id, { draftId, contentHash }, answerTo(asked.challenge))).toEqual({
        refused: "challenge",
      });
    }
    const signIn = await passkeys.authenticationOptions();
    expect(await passkeys.verifyApproval(member.id, subject, answerTo(signIn.challenge))).toEqual({
      refused: "challenge",
    });
    const approval = await passkeys.approvalOptions(member.id, subject);
    expect(await passkeys.authenticate(answerTo(approval.challenge))).toEqual({ refused: "challenge" });
    // Bound right, it goes on to the signature: this answer names no stored passkey.
    const bound = await passkeys.approvalOptions(member.id, subject);
    expect(await passkeys.verifyApproval(member.id, subject, answerTo(bound.challenge))).toEqual({
      refused: "unknown-credential",
    });
  });
});
