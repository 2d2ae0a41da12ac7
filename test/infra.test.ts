import { readFileSync } from "node:fs";
import { api as apiSpec, appName, type FunctionSpec, links, nodejsBundling, queues, secrets, tables, topics } from "@oemr-reg/core/resources";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type Created, installStandIns, type Recording } from "./support/sst-stand-ins.ts";

// sst.config.ts and infra/ are typed by SST's own platform types, not this project's, so tsc must
// not follow this import: a computed specifier keeps it out of the program.
const configPath = new URL("../sst.config.ts", import.meta.url).href;

type SstConfig = {
  app(input: { stage: string }): Promise<{ name: string; home: string; removal: string; protect: boolean }>;
  run(): Promise<Record<string, unknown>>;
};

/** Every variable infra/config.ts reads, so the machine's own environment cannot leak in. */
const configVariables = [
  "SES_SENDER", "SES_SEND_RATE", "REGISTRATION_LIMIT_PER_HOUR", "PUBLIC_URL", "API_THROTTLE_RATE",
  "API_THROTTLE_BURST", "API_DOMAIN", "API_DOMAIN_CERT", "DNS_ZONE", "ALARM_EMAIL",
];

afterEach(() => {
  vi.unstubAllEnvs();
});

/** Runs the stack's `app()` and `run()` for a stage against the stand-ins, as `sst deploy` would. */
async function deploy(stage: string, env: Record<string, string> = {}) {
  for (const name of configVariables) vi.stubEnv(name, undefined);
  for (const [name, value] of Object.entries({ SES_SENDER: "open-emr.org", ...env })) vi.stubEnv(name, value);
  vi.resetModules();
  const recording = installStandIns(stage);
  const config = (await import(/* @vite-ignore */ configPath)).default as SstConfig;
  const app = await config.app({ stage });
  const outputs = await config.run();
  return { ...recording, app, outputs, ...queries(recording) };
}

const productionEnv = { ALARM_EMAIL: "security@open-emr.org" };

function queries({ created, subscriptions, nameOf }: Recording) {
  const all = (kind: string) => created.filter((c) => c.kind === kind);
  const one = (kind: string, name: string): Created => {
    const found = all(kind).filter((c) => c.name === name);
    expect(found, `${kind} ${name}`).toHaveLength(1);
    return found[0]!;
  };
  /** Every Lambda function, by the resources.ts name of what it serves, with its arguments. */
  const functions = () => [
    ...all("sst.aws.Function").map((c) => ({ name: c.name, args: c.args })),
    ...subscriptions.map((s) => ({ name: s.name ?? s.source, args: s.subscriber })),
  ];
  const linksOf = (args: { link?: unknown[] }) => (args.link ?? []).map((component) => nameOf(component));
  return { all, one, functions, linksOf };
}

/** The resources.ts name of each function with its spec; the API's is ApiHandler. */
const functionSpecs: Record<string, FunctionSpec> = {
  ApiHandler: apiSpec,
  ...Object.fromEntries(Object.entries(queues).flatMap(([name, q]) => ("consumer" in q ? [[name, q.consumer]] : []))),
  ...Object.fromEntries(Object.values(topics).flatMap((t) => Object.entries(t.subscribers))),
};

const deadLetterNames = Object.values(queues).flatMap((q) => ("dlq" in q ? [q.dlq.queue] : []));
const subscriberNames = Object.values(topics).flatMap((t) => Object.keys(t.subscribers));
const sortedNames = (items: { name: string }[]) => items.map((i) => i.name).sort();

describe("sst.config.ts app()", () => {
  it("names the app from resources.ts and keeps AWS state, for every stage", async () => {
    const { app } = await deploy("dev");
    expect(app).toMatchObject({ name: appName, home: "aws" });
  });

  it("retains and protects only production", async () => {
    expect((await deploy("dev")).app).toMatchObject({ removal: "remove", protect: false });
    expect((await deploy("production", productionEnv)).app).toMatchObject({ removal: "retain", protect: true });
  });
});

describe("one source of names", () => {
  it("creates a component for every table, queue, topic, secret and link of resources.ts, and no other", async () => {
    const { all } = await deploy("dev");
    expect(sortedNames(all("sst.aws.Dynamo"))).toEqual(Object.keys(tables).sort());
    const failureQueues = subscriberNames.map((name) => `${name}Failures`);
    expect(sortedNames(all("sst.aws.Queue"))).toEqual([...Object.keys(queues), ...failureQueues].sort());
    expect(sortedNames(all("sst.aws.SnsTopic"))).toEqual([...Object.keys(topics), "Alarms"].sort());
    expect(sortedNames(all("sst.Secret"))).toEqual(Object.keys(secrets).sort());
    expect(sortedNames([...all("sst.aws.Email"), ...all("sst.Linkable")])).toEqual(Object.keys(links).sort());
  });

  it("links each function to exactly what its resources.ts spec lists", async () => {
    const { functions, linksOf } = await deploy("dev");
    const deployed = functions();
    expect(deployed.map((f) => f.name).sort()).toEqual(Object.keys(functionSpecs).sort());
    for (const { name, args } of deployed) {
      expect(args.handler, name).toBe(functionSpecs[name]!.handler);
      expect(linksOf(args), name).toEqual(functionSpecs[name]!.link);
    }
    expect(functionSpecs).toMatchObject({
      ApiHandler: { link: ["Registrations", "State", "Fanout", "Mailer", "SecretPin", "UnsubscribeKey", "Settings"] },
      Fanout: { link: ["Registrations", "State", "Send", "Fanout"] },
      Send: { link: ["Registrations", "State", "Send", "Mailer", "UnsubscribeKey", "Settings"] },
      SesEventsHandler: { link: ["Registrations", "State"] },
    });
  });

  it("gives the links the shape SST exposes and sst-env.d.ts declares", async () => {
    const { one } = await deploy("dev");
    expect(links.Mailer).toEqual(["sender", "configSet"]); // what sst.aws.Email links, fixed by SST
    expect(Object.keys(one("sst.Linkable", "Settings").args.properties).sort()).toEqual([...links.Settings].sort());

    const types: Record<string, string> = {
      ...Object.fromEntries(Object.keys(tables).map((name) => [name, "sst.aws.Dynamo"])),
      ...Object.fromEntries(Object.keys(queues).map((name) => [name, "sst.aws.Queue"])),
      ...Object.fromEntries(Object.keys(secrets).map((name) => [name, "sst.sst.Secret"])),
      Mailer: "sst.aws.Email",
      Settings: "sst.sst.Linkable",
    };
    const declared = Object.fromEntries(
      [...readFileSync(new URL("../sst-env.d.ts", import.meta.url), "utf8").matchAll(/"(\w+)": \{[^}]*?"type": "([\w.]+)"/g)].map(
        ([, name, type]) => [name, type],
      ),
    );
    // A real `sst deploy` regenerates the file with every linkable component, so it may hold more.
    const linked = [...new Set(Object.values(functionSpecs).flatMap((spec) => spec.link ?? []))];
    expect(declared).toMatchObject(Object.fromEntries(linked.map((name) => [name, types[name]])));
  });
});

describe("functions", () => {
  it("run Node 22 on arm64 with the spec's timeout, bundled as the benchmarks bundle them", async () => {
    const { functions } = await deploy("dev");
    for (const { name, args } of functions()) {
      expect(args, name).toMatchObject({
        runtime: "nodejs22.x",
        architecture: "arm64",
        timeout: `${functionSpecs[name]!.timeoutSeconds} seconds`,
        nodejs: nodejsBundling,
      });
    }
  });

  it("serve the whole Hono app from one function behind the API's $default route", async () => {
    const { routes, one } = await deploy("dev");
    expect(routes).toEqual([{ api: "Api", route: "$default", handler: "arn(ApiHandler)" }]);
    one("sst.aws.ApiGatewayV2", "Api");
  });
});

describe("queues", () => {
  it("each send failed messages to their DLQ after the spec's retries, kept 14 days there", async () => {
    const { one } = await deploy("dev");
    for (const [name, spec] of Object.entries(queues)) {
      const { args } = one("sst.aws.Queue", name);
      expect(args.visibilityTimeout).toBe(`${spec.visibilityTimeoutSeconds} seconds`);
      if ("dlq" in spec) expect(args.dlq, name).toEqual({ queue: `arn(${spec.dlq.queue})`, retry: spec.dlq.retry });
    }
    expect(deadLetterNames.sort()).toEqual(["FanoutDlq", "SendDlq"]);
    for (const name of [...deadLetterNames, ...subscriberNames.map((s) => `${s}Failures`)]) {
      expect(one("sst.aws.Queue", name).args.transform.queue.messageRetentionSeconds, name).toBe(14 * 24 * 3600);
    }
  });

  it("hide a message longer than its consumer may run", () => {
    for (const [name, spec] of Object.entries(queues)) {
      if ("consumer" in spec) expect(spec.visibilityTimeoutSeconds, name).toBeGreaterThan(spec.consumer.timeoutSeconds);
    }
  });

  it("are consumed in batches with partial responses and bounded concurrency", async () => {
    const { subscriptions } = await deploy("dev");
    const consumed = Object.entries(queues).flatMap(([name, q]) => ("consumer" in q ? [[name, q.consumer] as const] : []));
    expect(subscriptions.filter((s) => s.kind === "queue").map((s) => s.source).sort()).toEqual(consumed.map(([n]) => n).sort());
    for (const [name, consumer] of consumed) {
      const { args } = subscriptions.find((s) => s.source === name)!;
      expect(args.batch, name).toEqual({ size: consumer.batchSize, partialResponses: true });
      // AWS's lowest allowed maximum concurrency is 2.
      expect(consumer.maxConcurrency).toBeGreaterThanOrEqual(2);
      expect(args.transform.eventSourceMapping.scalingConfig, name).toEqual({ maximumConcurrency: consumer.maxConcurrency });
    }
    // Enough senders to cover a batch's latency at 250 emails/s; the shared pacer holds the rate.
    expect(queues.Send.consumer.maxConcurrency).toBe(4);
  });
});

describe("SES", () => {
  it("sends from the configured identity and publishes bounce, complaint, delivery and reject to SesEvents", async () => {
    const { one, all } = await deploy("dev", { SES_SENDER: "mail.open-emr.org" });
    const mailer = one("sst.aws.Email", "Mailer");
    expect(mailer.args).toMatchObject({ sender: "mail.open-emr.org", dns: false });
    expect(mailer.args.events).toEqual([
      { name: "SesEvents", types: ["bounce", "complaint", "delivery", "reject"], topic: "arn(SesEvents)" },
    ]);
    const [policy] = all("aws.sns.TopicPolicy");
    expect(policy!.args.arn).toBe("arn(SesEvents)");
    expect(JSON.parse(policy!.args.policy).Statement).toEqual([
      expect.objectContaining({ Principal: { Service: "ses.amazonaws.com" }, Action: "SNS:Publish", Resource: "arn(SesEvents)" }),
    ]);
    expect(mailer.opts.dependsOn).toHaveLength(1);
  });

  it("creates the DKIM records itself when given a Route 53 zone", async () => {
    const { one } = await deploy("dev", { DNS_ZONE: "Z0123" });
    expect(one("sst.aws.Email", "Mailer").args.dns).toEqual({ dns: "route53", zone: "Z0123" });
  });

  it("subscribes the events handler with retries and an on-failure queue it may write to", async () => {
    const { subscriptions } = await deploy("dev");
    const topicSubscriptions = subscriptions.filter((s) => s.kind === "topic");
    expect(topicSubscriptions.map((s) => [s.source, s.name])).toEqual([["SesEvents", "SesEventsHandler"]]);
    const { subscriber } = topicSubscriptions[0]!;
    expect(subscriber.retries).toBe(topics.SesEvents.subscribers.SesEventsHandler.retries);
    expect(subscriber.transform.eventInvokeConfig.destinationConfig).toEqual({
      onFailure: { destination: "arn(SesEventsHandlerFailures)" },
    });
    expect(subscriber.permissions).toEqual([{ actions: ["sqs:SendMessage"], resources: ["arn(SesEventsHandlerFailures)"] }]);
  });
});

describe("tables", () => {
  it("have the spec's keys and TTL, billed on demand", async () => {
    const { one } = await deploy("dev");
    for (const [name, spec] of Object.entries(tables)) {
      const { args } = one("sst.aws.Dynamo", name);
      expect(args.primaryIndex, name).toEqual({ hashKey: spec.hashKey, rangeKey: "rangeKey" in spec ? spec.rangeKey : undefined });
      expect(args.ttl, name).toBe("ttl" in spec ? spec.ttl : undefined);
      expect(Object.keys(args.fields).sort()).toEqual(Object.values(args.primaryIndex).filter(Boolean).sort());
    }
  });

  it.each([
    ["production", true],
    ["dev", false],
  ])("in %s: deletion protection, point-in-time recovery and Pulumi protect are %s", async (stage, on) => {
    const { all } = await deploy(stage, productionEnv);
    for (const { name, args } of all("sst.aws.Dynamo")) {
      expect(args.deletionProtection, name).toBe(on);
      const table = { pointInTimeRecovery: { enabled: true } };
      const opts: { protect?: boolean } = {};
      args.transform.table(table, opts);
      expect(table.pointInTimeRecovery.enabled, name).toBe(on);
      expect(opts.protect ?? false, name).toBe(on);
    }
  });
});

describe("configuration", () => {
  it("defaults Settings and throttling, and points unsubscribe links at the API", async () => {
    const { one } = await deploy("dev");
    expect(one("sst.Linkable", "Settings").args.properties).toEqual({
      sendRate: 14,
      publicUrl: "url(Api)",
      registrationLimitPerHour: 20,
      usageLimitPerHour: 60,
      usageLimitPerDay: 10,
      usageRetentionDays: 400,
    });
    const api = one("sst.aws.ApiGatewayV2", "Api").args;
    expect(api.domain).toBeUndefined();
    expect(api.transform.stage.defaultRouteSettings).toEqual({ throttlingRateLimit: 10, throttlingBurstLimit: 20 });
  });

  it("takes every value from the stage's environment", async () => {
    const { one } = await deploy("dev", {
      SES_SEND_RATE: "50",
      PUBLIC_URL: "https://register.open-emr.org",
      REGISTRATION_LIMIT_PER_HOUR: "5",
      USAGE_LIMIT_PER_HOUR: "7",
      USAGE_LIMIT_PER_DAY: "2",
      USAGE_RETENTION_DAYS: "30",
      API_THROTTLE_RATE: "3",
      API_THROTTLE_BURST: "6",
      API_DOMAIN: "register.open-emr.org",
      API_DOMAIN_CERT: "arn:aws:acm:us-east-1:111122223333:certificate/x",
    });
    expect(one("sst.Linkable", "Settings").args.properties).toEqual({
      sendRate: 50,
      publicUrl: "https://register.open-emr.org",
      registrationLimitPerHour: 5,
      usageLimitPerHour: 7,
      usageLimitPerDay: 2,
      usageRetentionDays: 30,
    });
    const api = one("sst.aws.ApiGatewayV2", "Api").args;
    expect(api.domain).toEqual({ name: "register.open-emr.org", dns: false, cert: "arn:aws:acm:us-east-1:111122223333:certificate/x" });
    expect(api.transform.stage.defaultRouteSettings).toEqual({ throttlingRateLimit: 3, throttlingBurstLimit: 6 });
  });

  it("refuses to deploy without a sender, a sane number, or production's alarm email", async () => {
    await expect(deploy("dev", { SES_SENDER: "" })).rejects.toThrow(/SES_SENDER/);
    await expect(deploy("dev", { SES_SEND_RATE: "fast" })).rejects.toThrow(/SES_SEND_RATE/);
    await expect(deploy("production")).rejects.toThrow(/ALARM_EMAIL/);
  });
});

describe("alarms", () => {
  it("watch every DLQ, the API's 5xx rate and SES's bounce and complaint rates, and tell the alarm topic", async () => {
    const { all } = await deploy("production", productionEnv);
    const alarms = all("aws.cloudwatch.MetricAlarm");
    const byName = Object.fromEntries(alarms.map((a) => [a.name, a.args]));
    for (const queue of [...deadLetterNames, ...subscriberNames.map((s) => `${s}Failures`)]) {
      expect(byName[`${queue}NotEmpty`], queue).toMatchObject({
        namespace: "AWS/SQS",
        dimensions: { QueueName: `queueName(${queue})` },
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
      });
    }
    expect(byName.Api5xxRate).toMatchObject({ namespace: "AWS/ApiGateway", metricName: "5xx", dimensions: { ApiId: "apiId(Api)" } });
    expect(byName.SesBounceRate).toMatchObject({ metricName: "Reputation.BounceRate", threshold: 0.04 });
    expect(byName.SesComplaintRate).toMatchObject({ metricName: "Reputation.ComplaintRate", threshold: 0.0008 });
    expect(alarms).toHaveLength(deadLetterNames.length + subscriberNames.length + 3);
    for (const { name, args } of alarms) expect(args.alarmActions, name).toEqual(["arn(Alarms)"]);
  });

  it("email the configured address, and nobody when a dev stage sets none", async () => {
    const production = await deploy("production", productionEnv);
    expect(production.all("aws.sns.TopicSubscription").map((s) => s.args)).toEqual([
      { topic: "arn(Alarms)", protocol: "email", endpoint: "security@open-emr.org" },
    ]);
    expect((await deploy("dev")).all("aws.sns.TopicSubscription")).toEqual([]);
  });
});

describe("outputs", () => {
  it("print the API URL, the SES identity, the topics, the tables and the DLQs", async () => {
    const { outputs } = await deploy("dev");
    expect(outputs).toEqual({
      api: "url(Api)",
      sender: "sender(Mailer)",
      configSet: "configSet(Mailer)",
      sesEventsTopic: "arn(SesEvents)",
      alarmsTopic: "arn(Alarms)",
      registrationsTable: "name(Registrations)",
      stateTable: "name(State)",
      fanoutDlq: "arn(FanoutDlq)",
      sendDlq: "arn(SendDlq)",
      sesEventsFailures: "arn(SesEventsHandlerFailures)",
    });
  });
});
