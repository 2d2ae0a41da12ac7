/**
 * Coalesces writes the way databases group commits. The first call starts a write at once; calls
 * made while it is in flight wait and share the next one, up to `maxItems` a write. Under load many
 * items share one write (the settles of a batch's ten emails become one DynamoDB transaction
 * instead of ten contending for the broadcast's counter item); when idle, nothing waits for
 * company, so an item waits at most for the write in flight and its own.
 *
 * Each call settles with its own item. If a write of several fails, each is written again alone,
 * so an item that cannot be written fails only itself.
 * @example
 * const settle = groupCommit((settlements) => store.completeDeliveries(settlements, new Date()), { maxItems: 50 });
 * await settle({ broadcastId, email, outcome });
 */
export function groupCommit<T>(
  write: (items: T[]) => Promise<void>,
  { maxItems }: { maxItems: number },
): (item: T) => Promise<void> {
  type Waiting = { item: T; resolve: () => void; reject: (error: unknown) => void };
  const waiting: Waiting[] = [];
  let draining = false;

  async function writeGroup(group: Waiting[]): Promise<void> {
    try {
      await write(group.map(({ item }) => item));
      for (const { resolve } of group) resolve();
    } catch (error) {
      if (group.length === 1) return group[0]!.reject(error);
      for (const one of group) await writeGroup([one]);
    }
  }

  async function drain(): Promise<void> {
    draining = true;
    // Calls made in this same turn of the event loop (sends that SES answered together) join the first write.
    await new Promise((resolve) => setImmediate(resolve));
    while (waiting.length > 0) await writeGroup(waiting.splice(0, maxItems));
    draining = false;
  }

  return function commit(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (!draining) void drain();
    });
  };
}
