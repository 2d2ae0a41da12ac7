import { crons } from "../packages/core/src/resources";
import { each } from "./each";
import { functionArgs } from "./functions";

/** Each scheduled function of resources.ts, on its schedule, with its spec's links and actions. */
export const schedules = each(
  crons,
  (name, spec) => new sst.aws.Cron(name, { schedule: spec.schedule, job: functionArgs(spec.function) }),
);
