import { type QueueSpec, queues as specs, topics } from "../packages/core/src/resources";

// A message reaches a dead-letter queue with its first enqueue time, and SQS drops it once that
// is older than the queue's retention: keep failures for SQS's maximum, 14 days.
const keepFailures = { transform: { queue: { messageRetentionSeconds: 14 * 24 * 60 * 60 } } };

const entries = Object.entries(specs) as [keyof typeof specs, QueueSpec][];
const deadLetterNames = new Set(entries.flatMap(([, spec]) => (spec.dlq ? [spec.dlq.queue] : [])));

/** Every queue of resources.ts, by name; also indexable by the plain strings DLQ references are. */
type Queues = Record<keyof typeof specs, sst.aws.Queue> & Record<string, sst.aws.Queue>;

function createQueues(): Queues {
  const created = {} as Queues;
  const arnOf = (name: string) => {
    const queue = created[name];
    if (!queue) throw new Error(`dead-letter queue ${name} is not a plain queue of resources.ts`);
    return queue.arn;
  };
  // Dead-letter queues first: a queue's redrive policy needs its DLQ's ARN.
  for (const [name, spec] of [...entries].sort(([, a], [, b]) => Number(Boolean(a.dlq)) - Number(Boolean(b.dlq)))) {
    created[name] = new sst.aws.Queue(name, {
      visibilityTimeout: `${spec.visibilityTimeoutSeconds} seconds`,
      dlq: spec.dlq && { queue: arnOf(spec.dlq.queue), retry: spec.dlq.retry },
      ...(deadLetterNames.has(name) ? keepFailures : {}),
    });
  }
  return created;
}

export const queues = createQueues();

/**
 * The on-failure destination of each topic subscriber, by subscriber name: an event that still
 * fails after Lambda's retries waits here instead of being dropped. Its local twin is the
 * runner's `<topic>-<subscriber>-failures` queue.
 */
export const subscriberFailures: Record<string, sst.aws.Queue> = Object.fromEntries(
  Object.values(topics).flatMap(({ subscribers }) =>
    Object.keys(subscribers).map((name) => [name, new sst.aws.Queue(`${name}Failures`, keepFailures)]),
  ),
);

/** Every queue where failed work waits for a person, by component name. */
export const deadLetterQueues: Record<string, sst.aws.Queue> = {
  ...Object.fromEntries([...deadLetterNames].map((name) => [name, queues[name]])),
  ...Object.fromEntries(Object.entries(subscriberFailures).map(([name, queue]) => [`${name}Failures`, queue])),
};
