import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { logger } from "@oemr-reg/core/log";
import { createDynamoRegistrationStore } from "@oemr-reg/core/registration/dynamo-store";
import { countTallies, createDynamoTalliesStore } from "@oemr-reg/core/tallies/snapshot";
import { createDynamoUsageStore } from "@oemr-reg/core/usage/dynamo-store";
import { Resource } from "sst";

const db = createDocumentClient();
const stateTable = Resource.State.name;
const deps = {
  registrations: createDynamoRegistrationStore({ db, registrationsTable: Resource.Registrations.name, stateTable }),
  usage: createDynamoUsageStore({ db, stateTable }),
  tallies: createDynamoTalliesStore({ db, stateTable }),
};

/** Every 15 minutes (resources.ts `crons`): the overview's tallies of the whole list, counted afresh. */
export async function handler(): Promise<void> {
  const { versions, usage } = await countTallies(deps, new Date());
  logger.info("tallies counted", { active: versions.active, reportingSites: usage.sites });
}
