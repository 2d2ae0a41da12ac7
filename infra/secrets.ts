import { secretTooShort, secrets as specs } from "../packages/core/src/resources";
import { each } from "./each";

// Set per stage with `npx sst secret set <Name> <value> --stage <stage>`. SST keeps the values
// encrypted in its state and gives them to linked functions inside the bundle, never in env.
// An optional secret gets an empty placeholder, so a deploy does not ask for it.
export const secrets = each(specs, (name, spec) => new sst.Secret(name, spec.generate === "none" ? "" : undefined));

// A deploy with a secret shorter than its spec allows (the PIN) fails here, before a function takes it.
for (const [name, spec] of Object.entries(specs)) {
  $util.output(secrets[name as keyof typeof specs].value).apply((value) => {
    const tooShort = secretTooShort(name, spec, value);
    if (tooShort) throw new Error(`${tooShort}: npx sst secret set ${name} <value> --stage ${$app.stage}`);
  });
}
