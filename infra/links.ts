import { settings } from "./api";
import { mailer } from "./email";
import { queues } from "./queues";
import { secrets } from "./secrets";
import { tables } from "./storage";

/** Everything a function may be linked to, by the name it has in `Resource` and resources.ts. */
const linkable: Record<string, unknown> = {
  ...tables,
  ...queues,
  ...secrets,
  Mailer: mailer,
  Settings: settings,
};

/** The components named in a function's `link` list in resources.ts. */
export function linksFor(names: readonly string[] = []) {
  return names.map((name) => {
    const component = linkable[name];
    if (!component) throw new Error(`"${name}" is linked in resources.ts but infra has no such component`);
    return component;
  });
}
