import { readFileSync } from "node:fs";
import { createApp } from "@oemr-reg/core/http";
import { servedRoutes } from "@oemr-reg/core/http/app";
import { apiRoutes } from "@oemr-reg/core/http/route-throttles";
import {
  api as apiSpec,
  appName,
  crons,
  type FunctionSpec,
  links,
  nodejsBundling,
  queues,
  secrets,
  tables,
  topics,
} from "@oemr-reg/core/resources";
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
  "SES_SENDER",
  "SES_SEND_RATE",
  "REGISTRATION_LIMIT_PER_HOUR",
  "PUBLIC_URL",
  "API_THROTTLE_RATE",
  "API_THROTTLE_BURST",
  "API_RESERVED_CONCURRENCY",
  "ACCESS_LOG_RETENTION",
  "API_DOMAIN",
  "API_DOMAIN_CERT",
  "DNS_ZONE",
  "ALARM_EMAIL",
  "USAGE_LIMIT_PER_HOUR",
  "USAGE_LIMIT_PER_DAY",
  "USAGE_RETENTION_DAYS",
  ...Object.keys(secrets).map((name) => `SST_SECRET_${name}`),
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
    ...all("sst.aws.Cron").map((c) => ({ name: c.name, args: c.args.job })),
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
  ...Object.fromEntries(Object.entries(crons).map(([name, cron]) => [name, cron.function])),
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
      ApiHandler: {
        link: [
          "Registrations",
          "State",
          "Fanout",
          "Mailer",
          "SecretPin",
          "UnsubscribeKey",
          "UnsubscribeKeyPrevious",
          "SigningKey",
          "SigningKeysRetired",
          "Settings",
        ],
      },
      Fanout: { link: ["Registrations", "State", "Send", "Fanout", "Settings"] },
      Send: { link: ["Registrations", "State", "Send", "Mailer", "UnsubscribeKey", "SigningKey", "Settings"] },
      SesEventsHandler: { link: ["Registrations", "State", "Settings"] },
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
      [
        ...readFileSync(new URL("../sst-env.d.ts", import.meta.url), "utf8").matchAll(
          /"(\w+)": \{[^}]*?"type": "([\w.]+)"/g,
        ),
      ].map(([, name, type]) => [name, type]),
    );
    // A real `sst deploy` regenerates the file with every linkable component, so it may hold more.
    const linked = [...new Set(Object.values(functionSpecs).flatMap((spec) => spec.link ?? []))];
    expect(declared).toMatchObject(Object.fromEntries(linked.map((name) => [name, types[name]])));
  });
});

describe("functions", () => {
  it("run Node 24 on arm64 with the spec's timeout, bundled as the benchmarks bundle them", async () => {
    const { functions } = await deploy("dev");
    for (const { name, args } of functions()) {
      expect(args, name).toMatchObject({
        runtime: "nodejs24.x",
        architecture: "arm64",
        timeout: `${functionSpecs[name]!.timeoutSeconds} seconds`,
        nodejs: nodejsBundling,
      });
    }
  });

  it("serve the whole Hono app from one function, each of its routes an API Gateway route of its own", async () => {
    const { routes, one } = await deploy("dev");
    expect(routes).toEqual(Object.keys(apiRoutes).map((route) => ({ api: "Api", route, handler: "arn(ApiHandler)" })));
    one("sst.aws.ApiGatewayV2", "Api");
    const served = await servedRoutes(createApp({ secretPin: "" } as Parameters<typeof createApp>[0]));
    expect(
      Object.keys(apiRoutes)
        .filter((route) => route !== "$default")
        .sort(),
    ).toEqual([...new Set(served)].sort());
  });
});

/** Runs the API's stage transform on the arguments SST gives it, and returns what it made of them. */
function stageOf(api: { transform: { stage: (args: object, opts: object) => void } }) {
  const args: Record<string, any> = {
    accessLogSettings: { destinationArn: "arn(ApiAccessLog)", format: "SST's format" },
  };
  const opts: { dependsOn?: Promise<unknown[]> } = {};
  api.transform.stage(args, opts);
  return { args, opts };
}

/** The ARNs each linked name's actions must be granted on. */
function arnsOf(name: string): string[] {
  if (name === "Mailer") return ["identityArn(Mailer)", "configSetArn(Mailer)"];
  if (name in tables || name in queues) return [`arn(${name})`];
  throw new Error(`no ARN for ${name}`);
}

describe.each(["dev", "production"])("the deployed edge, in %s", (stage) => {
  const env = stage === "production" ? productionEnv : {};

  it("allows no cross-origin calls: CORS is off, where SST's default allows every origin", async () => {
    const { one } = await deploy(stage, env);
    expect(one("sst.aws.ApiGatewayV2", "Api").args.cors).toBe(false);
  });

  it("logs each request's route key, never its path or user agent, for 30 days", async () => {
    const { one } = await deploy(stage, env);
    const api = one("sst.aws.ApiGatewayV2", "Api").args;
    expect(api.accessLog).toEqual({ retention: "1 month" });
    const { accessLogSettings } = stageOf(api).args;
    expect(accessLogSettings.destinationArn).toBe("arn(ApiAccessLog)");
    const format = JSON.parse(accessLogSettings.format) as Record<string, string>;
    expect(Object.keys(format).sort()).toEqual([
      "integrationError",
      "requestId",
      "requestTime",
      "responseLatency",
      "routeKey",
      "sourceIp",
      "status",
    ]);
    expect(format).toMatchObject({ routeKey: "$context.routeKey", sourceIp: "$context.identity.sourceIp" });
    expect(accessLogSettings.format).not.toMatch(/\$context\.path|userAgent|\$context\.identity\.user/);
  });

  it("throttles each route on its own, registrations at the stage's rate sized for the seed's load", async () => {
    const { one, routes } = await deploy(stage, env);
    const { args, opts } = stageOf(one("sst.aws.ApiGatewayV2", "Api").args);
    // The seed's load test: 255 connections, 4,000 requests a second.
    expect(args.defaultRouteSettings.throttlingRateLimit).toBeGreaterThanOrEqual(4000);
    const limited = Object.fromEntries(args.routeSettings.map((r: { routeKey: string }) => [r.routeKey, r]));
    expect(limited["POST /api/registration"]).toBeUndefined();
    for (const [route, limit] of Object.entries(apiRoutes)) {
      if (!limit) continue;
      expect(limited[route], route).toEqual({
        routeKey: route,
        throttlingRateLimit: limit.rate,
        throttlingBurstLimit: limit.burst,
      });
    }
    // One-click unsubscribes and the catch-all each have a bucket of their own.
    expect(limited["POST /api/registration/unsubscribe/{token}"]).toBeDefined();
    expect(limited.$default.throttlingRateLimit).toBeLessThan(args.defaultRouteSettings.throttlingRateLimit);
    // Route settings name routes that must exist: the stage waits for every one of them.
    expect(await opts.dependsOn).toEqual(routes.map(({ route }) => ({ route })));
  });

  it("caps the API function's concurrency, and so what a flood costs", async () => {
    const { one } = await deploy(stage, env);
    expect(one("sst.aws.Function", "ApiHandler").args.concurrency).toEqual({ reserved: 100 });
  });

  it("grants each function exactly the actions its spec names, on its own resources, never a wildcard", async () => {
    const { functions } = await deploy(stage, env);
    for (const { name, args } of functions()) {
      const spec = functionSpecs[name]!;
      const granted = args.permissions.filter(
        (p: { resources: string[] }) => !p.resources.some((r) => r.includes("Failures")),
      );
      expect(granted, name).toEqual(
        Object.entries(spec.permissions ?? {}).map(([linked, actions]) => ({ actions, resources: arnsOf(linked) })),
      );
      for (const { actions, resources } of args.permissions) {
        for (const action of actions) expect(action, name).not.toContain("*");
        for (const resource of resources) expect(resource, name).not.toContain("*");
      }
      // Every table, queue and mailer a function links, it is granted something on, and nothing it does not link.
      const linked = (spec.link ?? []).filter((l) => l === "Mailer" || l in tables || l in queues);
      expect(Object.keys(spec.permissions ?? {}).sort(), name).toEqual([...linked].sort());
    }
  });

  it("links tables, queues and the mailer by name only, without SST's dynamodb:*, sqs:* and ses:*", async () => {
    const { wrappedLinks } = await deploy(stage, env);
    const component = { name: "name(T)", url: "url(Q)", sender: "sender(M)", configSet: "configSet(M)" };
    expect(wrappedLinks.get("sst.aws.Dynamo")!(component)).toEqual({ properties: { name: "name(T)" } });
    expect(wrappedLinks.get("sst.aws.Queue")!(component)).toEqual({ properties: { url: "url(Q)" } });
    expect(wrappedLinks.get("sst.aws.Email")!(component)).toEqual({
      properties: { sender: "sender(M)", configSet: "configSet(M)" },
    });
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

  it("are fanned out again by the Requeue function every 5 minutes when a broadcast's fan-out was lost", async () => {
    const { one } = await deploy("dev");
    expect(one("sst.aws.Cron", "Requeue").args.schedule).toBe("rate(5 minutes)");
    expect(crons.Requeue.function).toMatchObject({
      link: ["State", "Fanout"],
      permissions: { Fanout: ["sqs:SendMessage"] },
    });
  });

  it("start approved drafts whose embargo time has come, every minute", async () => {
    const { one } = await deploy("dev");
    expect(one("sst.aws.Cron", "Embargo").args.schedule).toBe("rate(1 minute)");
    expect(crons.Embargo.function).toMatchObject({ link: ["Registrations", "State", "Fanout", "Settings"] });
  });

  it("count the console's tallies of the whole list every 15 minutes, with a scan and one item's write", async () => {
    const { one } = await deploy("dev");
    expect(one("sst.aws.Cron", "Tallies").args.schedule).toBe("rate(15 minutes)");
    expect(crons.Tallies.function.permissions).toEqual({
      Registrations: ["dynamodb:Scan"],
      State: ["dynamodb:Query", "dynamodb:PutItem"],
    });
  });

  it("cut source IPs once a day, with a scan and conditional updates of the items that hold them", async () => {
    const { one } = await deploy("dev");
    expect(one("sst.aws.Cron", "SourceIps").args.schedule).toBe("rate(1 day)");
    expect(crons.SourceIps.function.permissions).toEqual({
      Registrations: ["dynamodb:Scan", "dynamodb:GetItem", "dynamodb:UpdateItem"],
      State: ["dynamodb:Query", "dynamodb:UpdateItem"],
    });
  });

  it("hide a message longer than its consumer may run", () => {
    for (const [name, spec] of Object.entries(queues)) {
      if ("consumer" in spec) expect(spec.visibilityTimeoutSeconds, name).toBeGreaterThan(spec.consumer.timeoutSeconds);
    }
  });

  it("are consumed in batches with partial responses and bounded concurrency", async () => {
    const { subscriptions } = await deploy("dev");
    const consumed = Object.entries(queues).flatMap(([name, q]) =>
      "consumer" in q ? [[name, q.consumer] as const] : [],
    );
    expect(
      subscriptions
        .filter((s) => s.kind === "queue")
        .map((s) => s.source)
        .sort(),
    ).toEqual(consumed.map(([n]) => n).sort());
    for (const [name, consumer] of consumed) {
      const { args } = subscriptions.find((s) => s.source === name)!;
      expect(args.batch, name).toEqual({ size: consumer.batchSize, partialResponses: true });
      // AWS's lowest allowed maximum concurrency is 2.
      expect(consumer.maxConcurrency).toBeGreaterThanOrEqual(2);
      expect(args.transform.eventSourceMapping.scalingConfig, name).toEqual({
        maximumConcurrency: consumer.maxConcurrency,
      });
    }
    // Enough senders to cover a batch's latency at 250 emails/s; the shared pacer holds the rate.
    expect(queues.Send.consumer.maxConcurrency).toBe(4);
  });
});

describe("SES", () => {
  it(
    "sends from the configured identity " + "and publishes bounce, complaint, delivery and reject to SesEvents",
    async () => {
      const { one, all } = await deploy("dev", { SES_SENDER: "mail.open-emr.org" });
      const mailer = one("sst.aws.Email", "Mailer");
      expect(mailer.args).toMatchObject({ sender: "mail.open-emr.org", dns: false });
      expect(mailer.args.events).toEqual([
        { name: "SesEvents", types: ["bounce", "complaint", "delivery", "reject"], topic: "arn(SesEvents)" },
      ]);
      const [policy] = all("aws.sns.TopicPolicy");
      expect(policy!.args.arn).toBe("arn(SesEvents)");
      expect(JSON.parse(policy!.args.policy).Statement).toEqual([
        expect.objectContaining({
          Principal: { Service: "ses.amazonaws.com" },
          Action: "SNS:Publish",
          Resource: "arn(SesEvents)",
        }),
      ]);
      expect(mailer.opts.dependsOn).toHaveLength(1);
    },
  );

  it("tracks no opens or clicks, which would rewrite signed email", async () => {
    const { one } = await deploy("production", productionEnv);
    const mailer = one("sst.aws.Email", "Mailer");
    const types = (mailer.args.events as { types: string[] }[]).flatMap((event) => event.types);
    expect(types.length).toBeGreaterThan(0);
    expect(types.filter((type) => ["open", "click"].includes(type))).toEqual([]);
    // Tracking options (a custom redirect domain) would only matter with tracking on; none are set.
    expect(mailer.args.transform?.configurationSet).toBeUndefined();
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
    expect(subscriber.permissions).toContainEqual({
      actions: ["sqs:SendMessage"],
      resources: ["arn(SesEventsHandlerFailures)"],
    });
  });
});

describe("tables", () => {
  it("have the spec's keys and TTL, billed on demand", async () => {
    const { one } = await deploy("dev");
    for (const [name, spec] of Object.entries(tables)) {
      const { args } = one("sst.aws.Dynamo", name);
      expect(args.primaryIndex, name).toEqual({
        hashKey: spec.hashKey,
        rangeKey: "rangeKey" in spec ? spec.rangeKey : undefined,
      });
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
      auditRetentionDays: 730,
      pinRoutes: true,
      deliveryRetentionDays: 90,
      historyRetentionDays: 730,
      approvalsRequired: 1,
      approvalHours: 72,
      sourceIpWholeDays: 30,
    });
    const api = one("sst.aws.ApiGatewayV2", "Api").args;
    expect(api.domain).toBeUndefined();
    expect(stageOf(api).args.defaultRouteSettings).toEqual({ throttlingRateLimit: 4000, throttlingBurstLimit: 2000 });
    expect(api.accessLog).toEqual({ retention: "1 month" });
  });

  it("takes every value from the stage's environment", async () => {
    const { one } = await deploy("dev", {
      SES_SEND_RATE: "50",
      PUBLIC_URL: "https://register.open-emr.org",
      REGISTRATION_LIMIT_PER_HOUR: "5",
      USAGE_LIMIT_PER_HOUR: "7",
      USAGE_LIMIT_PER_DAY: "2",
      USAGE_RETENTION_DAYS: "30",
      AUDIT_RETENTION_DAYS: "365",
      PIN_ROUTES: "off",
      DELIVERY_RETENTION_DAYS: "30",
      HISTORY_RETENTION_DAYS: "365",
      APPROVALS_REQUIRED: "2",
      APPROVAL_HOURS: "24",
      SOURCE_IP_WHOLE_DAYS: "14",
      API_THROTTLE_RATE: "3",
      API_THROTTLE_BURST: "6",
      API_RESERVED_CONCURRENCY: "12",
      ACCESS_LOG_RETENTION: "2 weeks",
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
      auditRetentionDays: 365,
      pinRoutes: false,
      deliveryRetentionDays: 30,
      historyRetentionDays: 365,
      approvalsRequired: 2,
      approvalHours: 24,
      sourceIpWholeDays: 14,
    });
    const api = one("sst.aws.ApiGatewayV2", "Api").args;
    expect(api.domain).toEqual({
      name: "register.open-emr.org",
      dns: false,
      cert: "arn:aws:acm:us-east-1:111122223333:certificate/x",
    });
    expect(stageOf(api).args.defaultRouteSettings).toEqual({ throttlingRateLimit: 3, throttlingBurstLimit: 6 });
    expect(api.accessLog).toEqual({ retention: "2 weeks" });
    expect(one("sst.aws.Function", "ApiHandler").args.concurrency).toEqual({ reserved: 12 });
  });

  it("refuses to deploy without a sender, a sane number, or production's alarm email", async () => {
    await expect(deploy("dev", { SES_SENDER: "" })).rejects.toThrow(/SES_SENDER/);
    await expect(deploy("dev", { SES_SEND_RATE: "fast" })).rejects.toThrow(/SES_SEND_RATE/);
    await expect(deploy("dev", { ACCESS_LOG_RETENTION: "forever" })).rejects.toThrow(/ACCESS_LOG_RETENTION/);
    await expect(deploy("dev", { APPROVALS_REQUIRED: "0" })).rejects.toThrow(
      /APPROVALS_REQUIRED is 0: a deployed stage/,
    );
  });

  it.each(["dev", "production"])("refuses to deploy %s with a PIN shorter than 16 characters", async (stage) => {
    const env = { ...productionEnv, SST_SECRET_UnsubscribeKey: "k".repeat(43) };
    await expect(deploy(stage, { ...env, SST_SECRET_SecretPin: "24681357" })).rejects.toThrow(
      /SecretPin has 8 characters; it needs at least 16/,
    );
    await expect(deploy(stage, { ...env, SST_SECRET_SecretPin: "x".repeat(15) })).rejects.toThrow(/SecretPin/);
    await expect(deploy(stage, { ...env, SST_SECRET_SecretPin: "x".repeat(16) })).resolves.toBeDefined();
    await expect(deploy("production")).rejects.toThrow(/ALARM_EMAIL/);
  });
});

describe("alarms", () => {
  it(
    "watch every DLQ, the API's 5xx rate, SES's bounce and complaint rates and PIN lockouts, " +
      "and tell the alarm topic",
    async () => {
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
      expect(byName.Api5xxRate).toMatchObject({
        namespace: "AWS/ApiGateway",
        metricName: "5xx",
        dimensions: { ApiId: "apiId(Api)" },
      });
      expect(byName.SesBounceRate).toMatchObject({ metricName: "Reputation.BounceRate", threshold: 0.04 });
      expect(byName.SesComplaintRate).toMatchObject({ metricName: "Reputation.ComplaintRate", threshold: 0.0008 });
      expect(byName.PinLockout).toMatchObject({
        namespace: "oemr-reg",
        metricName: "PinLockouts",
        dimensions: { service: "oemr-reg", function: "name(ApiHandler)" },
        statistic: "Sum",
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
      });
      expect(alarms).toHaveLength(deadLetterNames.length + subscriberNames.length + 4);
      for (const { name, args } of alarms) expect(args.alarmActions, name).toEqual(["arn(Alarms)"]);
    },
  );

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
