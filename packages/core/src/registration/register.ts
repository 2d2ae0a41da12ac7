import { z } from "zod";
import { EmailAddress, normalizeEmail } from "./email.ts";
import type { Registration, RegistrationStore } from "./store.ts";

const Label = z.string().trim().max(64, "At most 64 characters").optional();

/** What an OpenEMR installation sends, form-encoded or as JSON; both parse into this. */
export const RegistrationRequest = z.object({
  email: EmailAddress,
  version: Label,
  distribution: Label,
});
export type RegistrationRequest = z.infer<typeof RegistrationRequest>;

export type RegisterContext = {
  /** Kept with the registration so that abuse can be traced and cleaned up. */
  sourceIp: string | undefined;
  now: Date;
};

/**
 * Adds an address to the announcement list under a new product id.
 * @throws AlreadyRegisteredError when the address, in any letter case, is on the list already.
 */
export async function register(
  store: RegistrationStore,
  request: RegistrationRequest,
  { sourceIp, now }: RegisterContext,
): Promise<{ productId: string }> {
  const registration: Registration = {
    email: normalizeEmail(request.email),
    address: request.email,
    productId: crypto.randomUUID(),
    version: request.version || undefined,
    distribution: request.distribution || undefined,
    registeredAt: now.toISOString(),
    status: "active",
    sourceIp,
  };
  await store.add(registration);
  return { productId: registration.productId };
}
