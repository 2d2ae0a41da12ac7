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

const notify = { alarmActions: [alarms.arn], okActions: [alarms.arn] };

for (const [name, queue] of Object.entries(deadLetterQueues)) {
  new aws.cloudwatch.MetricAlarm(`${name}NotEmpty`, {
    alarmDescription: `${$app.stage}: failed messages wait in ${name} (README, Deploy: redrive)`,
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    dimensions: { QueueName: queue.nodes.queue.name },
    statistic: "Maximum",
    period: 300,
    evaluationPeriods: 1,
    threshold: 0,
    comparisonOperator: "GreaterThanThreshold",
    treatMissingData: "notBreaching",
    ...notify,
  });
}

// An HTTP API's `5xx` metric is 1 per failed request and 0 otherwise, so its average is the rate.
new aws.cloudwatch.MetricAlarm("Api5xxRate", {
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
  treatMissingData: "notBreaching",
  ...notify,
});

// SES reviews an account at a 5% bounce or 0.1% complaint rate and may pause sending at 10% and
// 0.5%: warn at 4% and 0.08%. These are account-wide metrics, with no dimensions.
const sesRates = { BounceRate: 0.04, ComplaintRate: 0.0008 };
for (const [metric, threshold] of Object.entries(sesRates)) {
  new aws.cloudwatch.MetricAlarm(`Ses${metric}`, {
    alarmDescription: `${$app.stage}: SES ${metric} reached ${threshold * 100}%`,
    namespace: "AWS/SES",
    metricName: `Reputation.${metric}`,
    statistic: "Maximum",
    period: 3600,
    evaluationPeriods: 1,
    threshold,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    treatMissingData: "notBreaching",
    ...notify,
  });
}

// Wrong PINs from everywhere together locked every PIN route for an hour: someone is guessing.
new aws.cloudwatch.MetricAlarm("PinLockout", {
  alarmDescription: `${$app.stage}: 50 wrong PINs within an hour locked every PIN route (README, Deploy)`,
  namespace: metrics.namespace,
  metricName: metrics.pinLockouts,
  dimensions: { service: metrics.namespace, function: apiHandler.name },
  statistic: "Sum",
  period: 300,
  evaluationPeriods: 1,
  threshold: 0,
  comparisonOperator: "GreaterThanThreshold",
  treatMissingData: "notBreaching",
  ...notify,
});
