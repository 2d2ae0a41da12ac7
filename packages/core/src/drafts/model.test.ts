import { describe, expect, it } from "vitest";
import { changedFields, contentHashOf, countingApprovals, type Draft } from "./model.ts";

const content = { title: "Patch", contents: "Upgrade.", audience: { distributions: ["docker"] } };
const hash = contentHashOf(content);
const now = new Date("2026-12-06T12:00:00Z");
const hoursAgo = (hours: number) => new Date(now.getTime() - hours * 3_600_000).toISOString();
const member = (id: string) => ({ kind: "member" as const, id, name: id });
const draft = (approvals: Draft["approvals"]): Draft => ({
  draftId: "d",
  state: "pending",
  ...content,
  contentHash: hash,
  version: 1,
  createdAt: hoursAgo(1),
  updatedAt: hoursAgo(1),
  revisions: [],
  approvalRequest: {
    by: member("ada"),
    at: hoursAgo(1),
    contentHash: hash,
    reach: { active: 1, reached: 1, unknownVersion: 0 },
  },
  approvals,
});

describe("the content hash", () => {
  it("covers every field that an approval vouches for, and nothing of the order of an object's keys", () => {
    expect(contentHashOf({ ...content, audience: { distributions: ["docker"] } })).toBe(hash);
    for (const change of [
      { title: "x" },
      { contents: "x" },
      { html: "<p>x</p>" },
      { audience: undefined },
      { sendAt: hoursAgo(0) },
    ])
      expect(contentHashOf({ ...content, ...change }), JSON.stringify(change)).not.toBe(hash);
    expect(changedFields(content, { ...content, title: "x", sendAt: hoursAgo(0) })).toEqual(["title", "sendAt"]);
  });
});

describe("the approvals that count", () => {
  const rules = { required: 1, hours: 72 };
  it("are another member's, of the current hash, within the hours, each member once", () => {
    const ben = { by: member("ben"), at: hoursAgo(2), contentHash: hash };
    expect(countingApprovals(draft([ben, { ...ben, at: hoursAgo(1) }]), rules, now)).toHaveLength(1);
    expect(countingApprovals(draft([{ ...ben, by: member("ada") }]), rules, now)).toEqual([]);
    expect(countingApprovals(draft([{ ...ben, contentHash: "0".repeat(64) }]), rules, now)).toEqual([]);
    expect(countingApprovals(draft([{ ...ben, at: hoursAgo(73) }]), rules, now)).toEqual([]);
  });
});
