import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { logger } from "@oemr-reg/core/log";
import { sweepSourceIps } from "@oemr-reg/core/privacy";
import { Resource } from "sst";

const db = createDocumentClient();

/** Once a day (resources.ts `crons`): source IPs older than `sourceIpWholeDays` cut to their /24 or /48. */
export async function handler(): Promise<void> {
  const outcome = await sweepSourceIps({
    db,
    registrationsTable: Resource.Registrations.name,
    stateTable: Resource.State.name,
    now: new Date(),
    wholeDays: Resource.Settings.sourceIpWholeDays,
  });
  logger.info("source IPs cut", outcome);
}
