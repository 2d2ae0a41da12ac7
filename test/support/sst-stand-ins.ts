/**
 * Recording stand-ins for the globals SST gives sst.config.ts (`$config`, `$app`, `sst`, `aws`,
 * `$interpolate`, `$jsonStringify`), so the stack can be built without `sst install` and its
 * topology asserted. Outputs are plain strings that name their resource, e.g. `arn(Send)`.
 * They copy the SST behaviour the assertions depend on (one subscriber per queue), nothing more.
 */

/** Component arguments come in many shapes; the assertions read them as SST would. */
type Args = any;

export type Created = { kind: string; name: string; args: Args; opts?: Args };
export type Subscription = { kind: "queue" | "topic"; source: string; name?: string; subscriber: Args; args: Args };
export type Route = { api: string; route: string; handler: Args };

export type Recording = {
  created: Created[];
  /** What `sst.Linkable.wrap` made each wrapped component type link, by type. */
  wrappedLinks: Map<string, (component: unknown) => unknown>;
  subscriptions: Subscription[];
  routes: Route[];
  /** The component a stand-in object is, e.g. to read a function's `link` list back as names. */
  nameOf(component: unknown): string | undefined;
};

export function installStandIns(stage: string): Recording {
  const created: Created[] = [];
  const subscriptions: Subscription[] = [];
  const routes: Route[] = [];
  const names = new WeakMap<object, string>();
  const wrappedLinks = new Map<string, (component: unknown) => unknown>();

  function component(kind: string) {
    return class {
      static readonly kind = kind;
      constructor(
        readonly componentName: string,
        args: Args = {},
        opts?: Args,
      ) {
        created.push({ kind, name: componentName, args, opts });
        names.set(this, componentName);
      }
    };
  }
  const output = (what: string, name: string) => `${what}(${name})`;

  class Queue extends component("sst.aws.Queue") {
    private subscribed = false;
    readonly arn = output("arn", this.componentName);
    readonly url = output("url", this.componentName);
    readonly nodes = { queue: { name: output("queueName", this.componentName) } };
    subscribe(subscriber: Args, args: Args = {}) {
      if (this.subscribed) throw new Error(`${this.componentName}: an SQS queue can only have one subscriber`);
      this.subscribed = true;
      subscriptions.push({ kind: "queue", source: this.componentName, subscriber, args });
    }
  }
  class SnsTopic extends component("sst.aws.SnsTopic") {
    readonly arn = output("arn", this.componentName);
    subscribe(name: string, subscriber: Args, args: Args = {}) {
      subscriptions.push({ kind: "topic", source: this.componentName, name, subscriber, args });
    }
  }
  class ApiGatewayV2 extends component("sst.aws.ApiGatewayV2") {
    readonly url = output("url", this.componentName);
    readonly nodes = { api: { id: output("apiId", this.componentName) } };
    route(route: string, handler: Args) {
      routes.push({ api: this.componentName, route, handler });
      return { route };
    }
  }
  const withOutputs = (kind: string, outputs: string[]) =>
    class extends component(kind) {
      constructor(name: string, args?: Args, opts?: Args) {
        super(name, args, opts);
        for (const key of outputs) Object.assign(this, { [key]: output(key, name) });
      }
    };

  class Email extends withOutputs("sst.aws.Email", ["sender", "configSet"]) {
    readonly nodes = {
      identity: { arn: output("identityArn", this.componentName) },
      configurationSet: { arn: output("configSetArn", this.componentName) },
    };
  }
  // SST reads a secret's value from SST_SECRET_<name>, else its placeholder.
  class Secret extends component("sst.Secret") {
    readonly value: string;
    constructor(name: string, placeholder?: string) {
      super(name, { placeholder });
      this.value = process.env[`SST_SECRET_${name}`] ?? placeholder ?? output("value", name);
    }
  }
  class Linkable extends withOutputs("sst.Linkable", []) {
    static wrap(cls: { kind: string }, link: (component: unknown) => unknown) {
      wrappedLinks.set(cls.kind, link);
    }
  }

  const globals = {
    $app: { name: "stand-in", stage },
    // Plain values stand in for outputs, so `apply` is a call.
    $util: { output: (value: unknown) => ({ apply: (f: (v: unknown) => unknown) => f(value) }) },
    $config: (config: unknown) => config,
    $interpolate: (strings: TemplateStringsArray, ...values: unknown[]) => String.raw({ raw: strings }, ...values),
    $jsonStringify: (value: unknown) => JSON.stringify(value),
    sst: {
      Secret,
      Linkable,
      aws: {
        Dynamo: withOutputs("sst.aws.Dynamo", ["name", "arn"]),
        Function: withOutputs("sst.aws.Function", ["arn", "name"]),
        Email,
        Cron: component("sst.aws.Cron"),
        Queue,
        SnsTopic,
        ApiGatewayV2,
        dns: (args: Args) => ({ dns: "route53", ...args }),
      },
    },
    aws: {
      getCallerIdentityOutput: () => ({ accountId: "111122223333" }),
      sns: { TopicPolicy: component("aws.sns.TopicPolicy"), TopicSubscription: component("aws.sns.TopicSubscription") },
      cloudwatch: { MetricAlarm: component("aws.cloudwatch.MetricAlarm") },
    },
  };
  Object.assign(globalThis, globals);
  return {
    created,
    wrappedLinks,
    subscriptions,
    routes,
    nameOf: (value) => (typeof value === "object" && value ? names.get(value) : undefined),
  };
}
