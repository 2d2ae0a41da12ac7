/** An update expression with the attribute names and values it refers to, ready for a command. */
export type UpdateParts = { expression: string; names: Record<string, string>; values: Record<string, unknown> };

/** `SET #a = :a, ...` for the values that are defined; undefined ones are left as they are. */
export function setExpression(values: Record<string, unknown>): UpdateParts {
  const keys = Object.keys(values).filter((key) => values[key] !== undefined);
  return {
    expression: `SET ${keys.map((key) => `#${key} = :${key}`).join(", ")}`,
    names: Object.fromEntries(keys.map((key) => [`#${key}`, key])),
    values: Object.fromEntries(keys.map((key) => [`:${key}`, values[key]])),
  };
}

/** `ADD #a :a, ...` for the amounts that are not zero. */
export function addExpression(amounts: Record<string, number | undefined>): UpdateParts {
  const keys = Object.keys(amounts).filter((key) => amounts[key]);
  return {
    expression: `ADD ${keys.map((key) => `#${key} :${key}`).join(", ")}`,
    names: Object.fromEntries(keys.map((key) => [`#${key}`, key])),
    values: Object.fromEntries(keys.map((key) => [`:${key}`, amounts[key]])),
  };
}
