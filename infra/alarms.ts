import { metrics } from "../packages/core/src/resources";
import { api } from "./api";
import { alarmEmail } from "./config";
import { apiHandler } from "./functions";
import { deadLetterQueues } from "./queues";

export const alarms = new sst.aws.SnsTopic("Alarms");

// The address gets a confirmation email from AWS and hears nothing until it clicks the link.
if (alarmEmail) {
  new aws.sns.TopicSubscription("AlarmsEmail", { topic: alarms.arn, protocol: "email", endpoint: alarmEmail });
}

/** An alarm that tells the Alarms topic when it fires and when it clears; no data is no breach. */
function alarm(
  name: string,
  {
    evaluationPeriods = 1,
    ...args
  }: Omit<aws.cloudwatch.MetricAlarmArgs, "alarmActions" | "okActions" | "treatMissingData" | "evaluationPeriods"> & {
    evaluationPeriods?: number;
  },
) {
  return new aws.cloudwatch.MetricAlarm(name, {
    evaluationPeriods,
    treatMissingData: "notBreaching",
    ...args,
    alarmActions: [alarms.arn],
    okActions: [alarms.arn],
  });
}

/** Fires on anything above zero within five minutes. */
const anyAtAll = { period: 300, threshold: 0, comparisonOperator: "GreaterThanThreshold" } as const;

for (const [name, queue] of Object.entries(deadLetterQueues)) {
  alarm(`${name}NotEmpty`, {
    alarmDescription: `${$app.stage}: failed messages wait in ${name} (docs/operations.md, redrive)`,
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    dimensions: { QueueName: queue.nodes.queue.name },
    statistic: "Maximum",
    ...anyAtAll,
  });
}

// An HTTP API's `5xx` metric is 1 per failed request and 0 otherwise, so its average is the rate.
alarm("Api5xxRate", {
  alarmDescription: `${$app.stage}: more than 5% of API requests failed with a 5xx`,
  namespace: "AWS/ApiGateway",
  metricName: "5xx",
  dimensions: { ApiId: api.nodes.api.id, Stage: "$default" },
  statistic: "Average",
  period: 300,
  evaluationPeriods: 3,
  datapointsToAlarm: 2,
  threshold: 0.05,
  comparisonOperator: "GreaterThanThreshold",
});

// SES reviews an account at a 5% bounce or 0.1% complaint rate and may pause sending at 10% and
// 0.5%: warn at 4% and 0.08%. These are account-wide metrics, with no dimensions.
const sesRates = { BounceRate: 0.04, ComplaintRate: 0.0008 };
for (const [metric, threshold] of Object.entries(sesRates)) {
  alarm(`Ses${metric}`, {
    alarmDescription: `${$app.stage}: SES ${metric} reached ${threshold * 100}%`,
    namespace: "AWS/SES",
    metricName: `Reputation.${metric}`,
    statistic: "Maximum",
    period: 3600,
    threshold,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
  });
}

// Wrong PINs from everywhere together locked every PIN route for an hour: someone is guessing.
alarm("PinLockout", {
  alarmDescription: `${$app.stage}: 50 wrong PINs within an hour locked every PIN route (docs/operations.md, the PIN)`,
  namespace: metrics.namespace,
  metricName: metrics.pinLockouts,
  dimensions: { service: metrics.namespace, function: apiHandler.name },
  statistic: "Sum",
  ...anyAtAll,
});
