import { EmailAddress } from "../address-schema.ts";
import * as z from "../zod-mini.ts";

/**
 * The schema a registration is parsed with, apart from `register` (which takes it parsed): zod
 * loads with the first registration that is parsed, not with every cold start (issue #26).
 * @module
 */

const Label = z.optional(z.string().check(z.trim(), z.maxLength(64, "At most 64 characters")));

/** What an OpenEMR installation sends, form-encoded or as JSON; both parse into this. */
export const RegistrationRequest = z.object({
  email: EmailAddress,
  version: Label,
  distribution: Label,
});
export type RegistrationRequest = z.infer<typeof RegistrationRequest>;
