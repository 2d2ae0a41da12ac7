import {
  api as apiSpec,
  type FunctionSpec,
  lambdaRuntime,
  nodejsBundling,
  queues as queueSpecs,
  topics as topicSpecs,
} from "../packages/core/src/resources";
import { routeApi } from "./api";
import { apiReservedConcurrency } from "./config";
import { topics } from "./email";
import { linksFor, permissionsFor } from "./links";
import { queues, subscriberFailures } from "./queues";

/**
 * What every function shares: Lambda's Node 24 on Graviton, bundled as the benchmarks measure it,
 * linked to exactly what its spec lists and allowed exactly the actions it names.
 */
export function functionArgs(spec: FunctionSpec) {
  return {
    handler: spec.handler,
    runtime: lambdaRuntime.name,
    architecture: "arm64",
    timeout: `${spec.timeoutSeconds} seconds`,
    link: linksFor(spec.link),
    permissions: permissionsFor(spec),
    nodejs: nodejsBundling,
  } as const;
}

export const apiHandler = new sst.aws.Function("ApiHandler", {
  ...functionArgs(apiSpec),
  // What a flood can cost is at most this many copies running (docs/operations.md, the edge).
  concurrency: { reserved: apiReservedConcurrency },
});
routeApi(apiHandler.arn);

for (const [name, spec] of Object.entries(queueSpecs)) {
  if (!("consumer" in spec)) continue;
  const { consumer } = spec;
  queues[name].subscribe(functionArgs(consumer), {
    batch: { size: consumer.batchSize, partialResponses: true },
    // At most this many copies run at once; for Send, the senders also share SES_SEND_RATE through
    // a token bucket in the State table, so the rate holds whatever the concurrency.
    transform: { eventSourceMapping: { scalingConfig: { maximumConcurrency: consumer.maxConcurrency } } },
  });
}

for (const [topicName, { subscribers }] of Object.entries(topicSpecs)) {
  for (const [name, spec] of Object.entries(subscribers)) {
    const failures = subscriberFailures[name]!;
    topics[topicName as keyof typeof topics].subscribe(name, {
      ...functionArgs(spec),
      retries: spec.retries,
      // Lambda sends the destination message with the function's own role.
      permissions: [...permissionsFor(spec), { actions: ["sqs:SendMessage"], resources: [failures.arn] }],
      transform: { eventInvokeConfig: { destinationConfig: { onFailure: { destination: failures.arn } } } },
    });
  }
}
