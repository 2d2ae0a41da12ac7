import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { createDocumentClient } from "../aws/dynamo.ts";
import { auditRecordKey } from "../state/keys.ts";
import { createAuditLog } from "./store.ts";

const db = createDocumentClient();
const stateTable = Resource.State.name;
const log = createAuditLog({ db, stateTable, retentionDays: 730 });
const alice = { kind: "member", id: "m-alice", name: "Alice" } as const;

describe("the audit log", () => {
  it("keeps 20 concurrent appends in one unbroken chain under DynamoDB's conflict rules", async () => {
    const appended = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        log.record({ actor: alice, action: "broadcast.previewed", object: `b${i}` }),
      ),
    );
    expect(new Set(appended.map((record) => record.seq)).size).toBe(20);
    const all = await log.all();
    expect(all.map((record) => record.seq)).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
    expect(await log.verify()).toEqual({ ok: true, records: all.length, firstSeq: 1 });
  });

  it("masks an address and keeps no more of it", async () => {
    const record = await log.record({ actor: { kind: "PIN" }, action: "pin.used", object: "jane.doe@clinic.example" });
    expect(record.object).toBe("j***@clinic.example");
    expect(JSON.stringify(await log.all())).not.toContain("jane.doe");
  });

  it("pages newest first, 50 a page, filtered by member, action and time", async () => {
    const bob = { kind: "member", id: "m-bob", name: "Bob" } as const;
    for (let i = 0; i < 55; i++) await log.record({ actor: bob, action: "token.created", object: `t${i}` });
    const first = await log.page({ member: "m-bob" });
    expect(first.records).toHaveLength(50);
    expect(first.records[0]!.object).toBe("t54");
    const second = await log.page({ member: "m-bob", before: first.next });
    expect(second.records.map((record) => record.object)).toEqual(["t4", "t3", "t2", "t1", "t0"]);
    expect(second.next).toBeUndefined();
    expect((await log.page({ action: "pin.used" })).records.map((record) => record.action)).toEqual(["pin.used"]);
    expect((await log.page({ until: "2000-01-01T00:00:00Z" })).records).toEqual([]);
    const since = first.records[9]!.at;
    expect((await log.page({ member: "m-bob", since })).records.every((record) => record.at >= since)).toBe(true);
  });

  it("names the first record that no longer fits when any stored record is changed", async () => {
    const all = await log.all();
    for (const target of [all[0]!, all[30]!, all.at(-1)!]) {
      const original = target.object;
      const change = (object: string | undefined) =>
        db.send(
          new UpdateCommand({
            TableName: stateTable,
            Key: auditRecordKey(target.seq),
            UpdateExpression: "SET #object = :object",
            ExpressionAttributeNames: { "#object": "object" },
            ExpressionAttributeValues: { ":object": object },
          }),
        );
      await change("forged");
      expect(await log.verify()).toMatchObject({ ok: false, seq: target.seq });
      await change(original);
      expect((await log.verify()).ok).toBe(true);
    }
  });
});
