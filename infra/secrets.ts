import { secrets as specs } from "../packages/core/src/resources";
import { each } from "./each";

// Set per stage with `npx sst secret set <Name> <value> --stage <stage>`. SST keeps the values
// encrypted in its state and gives them to linked functions inside the bundle, never in env.
export const secrets = each(specs, (name) => new sst.Secret(name));
