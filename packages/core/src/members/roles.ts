/**
 * What a member may do: `compose` broadcasts and read the list's figures, `approve` (approve and
 * send) them, `admin`: manage members and read personal data.
 */
export const ROLES = ["compose", "approve", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** The roles of `asked` the member holds: a token never carries more than its member. */
export function narrowRoles(held: readonly Role[], asked: readonly Role[]): Role[] {
  return ROLES.filter((role) => held.includes(role) && asked.includes(role));
}
