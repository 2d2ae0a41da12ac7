/**
 * `npm run backfill-counters [-- --stage local]`: counts the registrations from before the `counted`
 * marker into the console's opted-out counts and weeks (core registration/backfill.ts), on the
 * stack `npm start` runs (its DynamoDB port follows `PORT`, or `DYNAMODB_PORT`). On AWS, with the
 * shell's credentials: `-- --aws --registrations-table <name> --state-table <name>` (docs/operations.md).
 * Safe to run again, and while the list is live. Prints `{"found", "counted", "skipped"}` as JSON.
 * @module
 */
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { backfillCounters } from "@oemr-reg/core/registration/backfill";
import { appName } from "@oemr-reg/core/resources";
import { z } from "zod";
import { useEmulators } from "./aws-env.ts";
import { LocalConfig } from "./config.ts";
import { BACKFILL, refuseOptions, scriptOptions } from "./script-specs.ts";

const Name = z.string().min(3).optional();
const Args = z
  .object({
    aws: z.boolean().optional(),
    stage: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/)
      .optional(),
    "registrations-table": Name,
    "state-table": Name,
  })
  .refine((args) => !args.aws || (args["registrations-table"] && args["state-table"]), {
    message: "--aws needs --registrations-table and --state-table",
  });

try {
  const { help: _, ...values } = scriptOptions(BACKFILL, process.argv.slice(2));
  const args = Args.parse(values);
  let tables: { registrationsTable: string; stateTable: string };
  if (args.aws) {
    tables = { registrationsTable: args["registrations-table"]!, stateTable: args["state-table"]! };
  } else {
    const config = LocalConfig.parse(process.env);
    useEmulators({ dynamodb: `http://localhost:${config.ports.dynamodb}`, sqs: "", sns: "", ses: "" });
    const prefix = `${appName}-${args.stage ?? config.stage}`;
    tables = { registrationsTable: `${prefix}-Registrations`, stateTable: `${prefix}-State` };
  }
  const totals = await backfillCounters({
    db: createDocumentClient(),
    ...tables,
    onPage: (so) => console.error(`found ${so.found}, counted ${so.counted}, skipped ${so.skipped}`),
  });
  console.log(JSON.stringify(totals));
} catch (error) {
  if (error instanceof z.ZodError) refuseOptions(BACKFILL, error);
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
