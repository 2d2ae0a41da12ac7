import * as z from "../zod-mini.ts";
import { ROLES } from "./roles.ts";

/**
 * Roles as a form, a token's request or the CLI gives them, apart from `roles.ts`: every token
 * check reads roles, but only those that grant them parse (issue #26: no zod in a cold start).
 * @module
 */

const Role = z.enum(ROLES);

/** A set of roles: at least one, each once, in `ROLES`' order. */
export const Roles = z.pipe(
  z.array(Role).check(z.minLength(1, "At least one role: compose, approve or admin")),
  z.transform((roles) => ROLES.filter((role) => roles.includes(role))),
);
