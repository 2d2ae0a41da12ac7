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

/** An object whose every member is an async method: a store, a port. */
type AsyncMethods<T> = { [K in keyof T]: (...args: never[]) => Promise<unknown> };

/**
 * A store built, and its module loaded, on its first call, for a deps object that takes it whole
 * (issue #26: the API's broadcast and draft stores parse with classic zod, which a registration
 * never needs). Every member of `T` is an async method, so each can wait for the load.
 * @example
 * const broadcasts = onFirstCall(async () =>
 *   (await import("@oemr-reg/core/broadcast/dynamo-store")).createDynamoBroadcastStore({ db, stateTable }),
 * );
 */
export function onFirstCall<T extends AsyncMethods<T>>(load: () => Promise<T>): T {
  const loaded = onFirstUse(load);
  return new Proxy({} as T, {
    get(_, name) {
      // Not a promise (`await` asks for `then`), and no symbol-keyed protocol either.
      if (typeof name !== "string" || name === "then") return undefined;
      return async (...args: unknown[]) => {
        const target = await loaded();
        const method = target[name as keyof T] as unknown as (...args: unknown[]) => Promise<unknown>;
        return method.apply(target, args);
      };
    },
  });
}
