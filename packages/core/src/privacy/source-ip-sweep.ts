import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { cutHistoryIps, cutRegistrationIps, registrationCuts, scanWholeIps } from "../registration/source-ips.ts";
import { DEFAULT_RETENTION } from "../state/expiry.ts";

export type SourceIpSweep = {
  db: DynamoDBDocumentClient;
  registrationsTable: string;
  stateTable: string;
  now: Date;
  /** How long a source IP is kept whole (state/expiry.ts): then it is cut to its /24 or /48. */
  wholeDays?: number;
};

export type SourceIpSweepOutcome = {
  /** Registrations the scan read, the read capacity units it cost, and those that still held a whole IP. */
  scanned: number;
  readUnits: number;
  whole: number;
  /** IPs cut, in registrations and in their history's list changes. */
  registrationIps: number;
  historyIps: number;
};

/**
 * Cuts every source IP stored more than `wholeDays` ago to its network prefix: in the registration
 * and in its history. Run once a day (resources.ts `crons`), so an IP is whole for at most a day
 * past its time. Idempotent: a cut IP is never cut again, and a re-run finds nothing to do.
 *
 * An address is visited when its registration holds a due whole IP, or was re-registered and still
 * holds its whole IP (its history may then hold the one that re-registration replaced, stored
 * earlier). Its history is cut before the registration, so that a run stopped in between leaves the
 * registration due and the next run finishes it.
 */
export async function sweepSourceIps({
  db,
  registrationsTable,
  stateTable,
  now,
  wholeDays = DEFAULT_RETENTION.sourceIpWholeDays,
}: SourceIpSweep): Promise<SourceIpSweepOutcome> {
  const cutoff = new Date(now.getTime() - wholeDays * 86_400_000).toISOString();
  const outcome = { scanned: 0, readUnits: 0, whole: 0, registrationIps: 0, historyIps: 0 };
  const read = await scanWholeIps(db, registrationsTable, async (registration) => {
    outcome.whole++;
    const due = Object.keys(registrationCuts(registration, cutoff)).length > 0;
    if (!due && registration.reregisteredAt === undefined) return;
    outcome.historyIps += await cutHistoryIps(db, stateTable, registration, cutoff);
    if (due) outcome.registrationIps += await cutRegistrationIps(db, registrationsTable, registration.email, cutoff);
  });
  return { ...outcome, ...read };
}
