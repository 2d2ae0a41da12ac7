/**
 * A port whose implementation is built on its first `send`, then kept. The API's cold start then
 * skips what only rare requests need: the SES client and nodemailer for a confirmation email, the
 * SQS client for a broadcast. `load` imports them with `import()`, which the bundle splits off.
 * A failed load is tried again on the next call.
 * @example
 * const fanoutQueue = onFirstSend(async () => {
 *   const [{ SQSClient }, { createSqsQueue }] = await Promise.all([
 *     import("@aws-sdk/client-sqs"),
 *     import("@oemr-reg/core/aws/sqs"),
 *   ]);
 *   return createSqsQueue(new SQSClient({}), url);
 * });
 */
export function onFirstSend<A extends unknown[], R>(
  load: () => Promise<{ send(...args: A): Promise<R> }>,
): { send(...args: A): Promise<R> } {
  let loaded: ReturnType<typeof load> | undefined;
  return {
    async send(...args) {
      loaded ??= load().catch((error: unknown) => {
        loaded = undefined;
        throw error;
      });
      return (await loaded).send(...args);
    },
  };
}

/** `load`'s result, made on the first call and kept; a failed load is tried again on the next. */
export function onFirstUse<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    });
    return loaded;
  };
}
