import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import { redactEmails } from "../address.ts";

/**
 * Who did it: a named member, whoever held the board's shared PIN, the service itself, or the
 * address's owner (through their privacy page's sealed link: the record's `object` says which
 * address, masked).
 */
export type Actor =
  | { kind: "member"; id: string; name: string }
  | { kind: "PIN" }
  | { kind: "system" }
  | { kind: "owner" };

/** What `record()` is told. `object` names what was acted on (a broadcast id, a member id, a masked address). */
export type AuditEntry = { actor: Actor; action: string; object?: string; ip?: string };

/** A record as stored: the entry, its place in the chain, its time, its lifetime, and the two hashes. */
export type AuditRecord = AuditEntry & {
  seq: number;
  at: string;
  /** The hash of the record before it; the genesis hash for the first. */
  prevHash: string;
  /** Epoch seconds: the State table's TTL removes the record after its retention. */
  expiresAt: number;
  /** SHA-256 of the record's canonical form (RFC 8785), every field but this one. */
  hash: string;
};

/** What the first record's `prevHash` names: there is no record before it. */
export const GENESIS_HASH = "0".repeat(64);

/** The chain's end: the last record's place and hash. */
export type ChainHead = { seq: number; hash: string };

/** SHA-256 over the RFC 8785 form of every field of the record but its own hash. */
export function recordHash(record: Omit<AuditRecord, "hash">): string {
  const { seq, at, prevHash, expiresAt, actor, action, object, ip } = record;
  const canonical = canonicalize({ seq, at, prevHash, expiresAt, actor, action, object, ip });
  return createHash("sha256").update(canonical!).digest("hex");
}

/**
 * The record that follows `head`. An address in `object` is masked: the log keeps who did what to
 * whom without holding anyone's address.
 */
export function nextRecord(head: ChainHead | undefined, entry: AuditEntry, at: Date, retentionDays: number) {
  const unhashed = {
    seq: (head?.seq ?? 0) + 1,
    at: at.toISOString(),
    prevHash: head?.hash ?? GENESIS_HASH,
    expiresAt: Math.floor(at.getTime() / 1000) + retentionDays * 86_400,
    actor: entry.actor,
    action: entry.action,
    ...(entry.object === undefined ? {} : { object: redactEmails(entry.object) }),
    ...(entry.ip === undefined ? {} : { ip: entry.ip }),
  };
  return { ...unhashed, hash: recordHash(unhashed) } satisfies AuditRecord;
}

export type Verification =
  | { ok: true; records: number; firstSeq?: number }
  | { ok: false; records: number; seq: number; reason: string };

/**
 * Recomputes the chain, oldest record first, and names the first record that does not fit: its
 * hash is not its content's, it does not name the one before, or a record is missing. The oldest
 * record kept is where the chain starts, since retention removes the ones before it.
 */
export function verifyChain(records: AuditRecord[], head: ChainHead | undefined): Verification {
  let previous: AuditRecord | undefined;
  for (const record of records) {
    const { hash, ...rest } = record;
    const failed = (reason: string): Verification => ({ ok: false, records: records.length, seq: record.seq, reason });
    if (recordHash(rest) !== hash) return failed("its hash is not the hash of its content");
    if (previous && record.seq !== previous.seq + 1)
      return failed(`the record before it (${previous.seq + 1}) is gone`);
    if (previous && record.prevHash !== previous.hash) return failed("it does not name the record before it");
    if (!previous && record.seq === 1 && record.prevHash !== GENESIS_HASH) return failed("it names a record before 1");
    previous = record;
  }
  if (head && (!previous || head.seq !== previous.seq || head.hash !== previous.hash)) {
    const seq = Math.min(head.seq, (previous?.seq ?? 0) + 1);
    return { ok: false, records: records.length, seq, reason: `the chain's head names ${head.seq}: records are gone` };
  }
  return { ok: true, records: records.length, firstSeq: records[0]?.seq };
}
