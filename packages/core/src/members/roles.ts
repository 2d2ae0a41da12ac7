import { z } from "zod";

/**
 * What a member may do: `compose` broadcasts and read the list's figures, `approve` (approve and
 * send) them, `admin`: manage members and read personal data.
 */
export const ROLES = ["compose", "approve", "admin"] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

/** A set of roles: at least one, each once, in `ROLES`' order. */
export const Roles = z
  .array(Role)
  .min(1, "At least one role: compose, approve or admin")
  .transform((roles) => ROLES.filter((role) => roles.includes(role)));

/** The roles of `asked` the member holds: a token never carries more than its member. */
export function narrowRoles(held: readonly Role[], asked: readonly Role[]): Role[] {
  return ROLES.filter((role) => held.includes(role) && asked.includes(role));
}
