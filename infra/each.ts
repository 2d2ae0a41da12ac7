/** One component per entry of a resources.ts record, keyed by the same names. */
export function each<K extends string, V, R>(record: Record<K, V>, create: (name: K, spec: V) => R): Record<K, R> {
  return Object.fromEntries(
    (Object.entries(record) as [K, V][]).map(([name, spec]) => [name, create(name, spec)]),
  ) as Record<K, R>;
}
