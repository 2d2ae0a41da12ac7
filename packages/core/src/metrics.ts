import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { metrics as names } from "./resources.ts";

/**
 * CloudWatch metrics in the embedded metric format: a log line that CloudWatch turns into a metric,
 * so a function needs no `cloudwatch:PutMetricData`. The `function` dimension keeps stages apart;
 * infra/alarms.ts alarms on it.
 */
const metrics = new Metrics({
  namespace: names.namespace,
  serviceName: names.namespace,
  defaultDimensions: { function: process.env.AWS_LAMBDA_FUNCTION_NAME ?? "local" },
});

/** Counts one event now: published at once, since a Lambda may be frozen right after its answer. */
export function countEvent(name: (typeof names)[Exclude<keyof typeof names, "namespace">]): void {
  metrics.addMetric(name, MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
}
