import {
  CreateTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { appName, type FunctionSpec, type StackSpec, type TableSpec } from "@oemr-reg/core/resources";

export type QueueRef = { url: string; arn: string };

/** An SNS subscriber's local stand-in: a queue subscribed to the topic, drained into the handler. */
export type Delivery = FunctionSpec & {
  name: string;
  retries: number;
  queue: QueueRef;
  subscriptionArn: string;
};

export type ProvisionedStack = {
  tables: Record<string, string>;
  queues: Record<string, QueueRef>;
  topics: Record<string, string>;
  deliveries: Delivery[];
};

export type Clients = { dynamodb: DynamoDBClient; sqs: SQSClient; sns: SNSClient };

/**
 * Creates the emulated twin of every table, queue and topic of a stack, named `<prefix>-<Name>`
 * as SST would. Safe to run again: what exists is kept, with its data.
 */
export async function provisionStack(spec: StackSpec, prefix: string, clients: Clients): Promise<ProvisionedStack> {
  const tables: Record<string, string> = {};
  for (const [name, table] of Object.entries(spec.tables)) {
    tables[name] = await createTable(clients.dynamodb, `${prefix}-${name}`, table);
  }

  const queues: Record<string, QueueRef> = {};
  // Dead-letter queues first: a queue's redrive policy needs its DLQ's ARN.
  const ordered = Object.entries(spec.queues).sort(([, a], [, b]) => Number(Boolean(a.dlq)) - Number(Boolean(b.dlq)));
  for (const [name, queue] of ordered) {
    const dlq = queue.dlq && { arn: queues[queue.dlq.queue]!.arn, retry: queue.dlq.retry };
    queues[name] = await createQueue(clients.sqs, `${prefix}-${name}`, queue.visibilityTimeoutSeconds, dlq);
  }

  const topics: Record<string, string> = {};
  const deliveries: Delivery[] = [];
  for (const [name, topic] of Object.entries(spec.topics)) {
    const { TopicArn } = await clients.sns.send(new CreateTopicCommand({ Name: `${prefix}-${name}` }));
    topics[name] = TopicArn!;
    for (const [subscriberName, subscriber] of Object.entries(topic.subscribers)) {
      const queueName = `${prefix}-${name}-${subscriberName}`;
      const failures = await createQueue(clients.sqs, `${queueName}-failures`, 30);
      // One delivery and `retries` more, as Lambda retries an asynchronous invocation.
      const dlq = { arn: failures.arn, retry: subscriber.retries + 1 };
      const queue = await createQueue(clients.sqs, queueName, subscriber.timeoutSeconds, dlq);
      const { SubscriptionArn } = await clients.sns.send(
        new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: queue.arn, ReturnSubscriptionArn: true }),
      );
      deliveries.push({ ...subscriber, name: subscriberName, queue, subscriptionArn: SubscriptionArn! });
    }
  }
  return { tables, queues, topics, deliveries };
}

/**
 * Provisions a stage of the stack in the emulators this process uses and links it into this
 * process as `sst dev` would: the step before any handler module is imported, since handlers
 * read `Resource` once.
 */
export async function provisionAndLink(spec: StackSpec, stage: string, links: LinkValues): Promise<ProvisionedStack> {
  const clients = { dynamodb: new DynamoDBClient({}), sqs: new SQSClient({}), sns: new SNSClient({}) };
  const provisioned = await provisionStack(spec, `${appName}-${stage}`, clients);
  Object.assign(process.env, linkEnvironment({ name: appName, stage }, provisioned, links));
  return provisioned;
}

/** The values of links that are not AWS resources: secrets and per-stage settings. */
export type LinkValues = {
  secrets: Record<string, string>;
  Mailer: { sender: string; configSet: string };
  Settings: {
    sendRate: number;
    publicUrl: string;
    registrationLimitPerHour: number;
    usageLimitPerHour: number;
    usageLimitPerDay: number;
    usageRetentionDays: number;
    auditRetentionDays: number;
    /** The seed's PIN routes take the PIN; off, they answer 410. */
    pinRoutes: boolean;
    deliveryRetentionDays: number;
    historyRetentionDays: number;
    /** Approvals a draft needs from members other than its requester; 0 only locally. */
    approvalsRequired: number;
    approvalHours: number;
    sourceIpWholeDays: number;
  };
};

/** `SST_RESOURCE_<Name>` variables with the values SST links to a function, as `sst dev` sets them. */
export function linkEnvironment(
  app: { name: string; stage: string },
  stack: ProvisionedStack,
  { secrets, Mailer, Settings }: LinkValues,
): Record<string, string> {
  const links: Record<string, object> = {
    App: app,
    Mailer: { ...Mailer, type: "sst.aws.Email" },
    Settings: { ...Settings, type: "sst.sst.Linkable" },
  };
  for (const [name, value] of Object.entries(secrets)) links[name] = { value, type: "sst.sst.Secret" };
  for (const [name, tableName] of Object.entries(stack.tables))
    links[name] = { name: tableName, type: "sst.aws.Dynamo" };
  for (const [name, { url }] of Object.entries(stack.queues)) links[name] = { url, type: "sst.aws.Queue" };
  for (const [name, arn] of Object.entries(stack.topics)) links[name] = { arn, type: "sst.aws.SnsTopic" };
  return Object.fromEntries(
    Object.entries(links).map(([name, value]) => [`SST_RESOURCE_${name}`, JSON.stringify(value)]),
  );
}

async function createTable(dynamodb: DynamoDBClient, tableName: string, table: TableSpec): Promise<string> {
  const keys = [
    { AttributeName: table.hashKey, KeyType: "HASH" as const },
    ...(table.rangeKey ? [{ AttributeName: table.rangeKey, KeyType: "RANGE" as const }] : []),
  ];
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        KeySchema: keys,
        AttributeDefinitions: keys.map(({ AttributeName }) => ({ AttributeName, AttributeType: "S" })),
      }),
    );
    if (table.ttl) {
      await dynamodb.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: table.ttl, Enabled: true },
        }),
      );
    }
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  return tableName;
}

async function createQueue(
  sqs: SQSClient,
  queueName: string,
  visibilityTimeoutSeconds: number,
  dlq?: { arn: string; retry: number },
): Promise<QueueRef> {
  const attributes: Record<string, string> = { VisibilityTimeout: String(visibilityTimeoutSeconds) };
  if (dlq) attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: dlq.retry });
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: queueName, Attributes: attributes }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}
