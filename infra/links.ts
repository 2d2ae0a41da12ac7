import type { FunctionSpec } from "../packages/core/src/resources";
import { settings } from "./api";
import { mailer } from "./email";
import { queues } from "./queues";
import { secrets } from "./secrets";
import { tables } from "./storage";

// SST's links grant dynamodb:*, sqs:* and ses:* on what they link. Here a link gives a function
// only the names it reads; what it may do is each spec's `permissions`, granted by `permissionsFor`.
sst.Linkable.wrap(sst.aws.Dynamo, (table) => ({ properties: { name: table.name } }));
sst.Linkable.wrap(sst.aws.Queue, (queue) => ({ properties: { url: queue.url } }));
sst.Linkable.wrap(sst.aws.Email, (email) => ({ properties: { sender: email.sender, configSet: email.configSet } }));

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

/**
 * What each action of a spec's `permissions` applies to: a table itself (none has an index), a
 * queue, or the SES identity and configuration set, so the function can send as nobody else.
 */
const arnsOf: Record<string, $util.Input<string>[]> = {
  ...Object.fromEntries(Object.entries(tables).map(([name, table]) => [name, [table.arn]])),
  ...Object.fromEntries(Object.entries(queues).map(([name, queue]) => [name, [queue.arn]])),
  Mailer: [mailer.nodes.identity.arn, mailer.nodes.configurationSet.arn],
};

/** The IAM statements of a function's spec: exactly its actions, on exactly its resources. */
export function permissionsFor(spec: FunctionSpec) {
  return Object.entries(spec.permissions ?? {}).map(([name, actions]) => {
    const resources = arnsOf[name];
    if (!resources) throw new Error(`resources.ts grants actions on "${name}", which infra cannot name`);
    if (!spec.link?.includes(name)) throw new Error(`${spec.handler} has permissions on "${name}" without linking it`);
    return { actions: [...actions], resources };
  });
}
