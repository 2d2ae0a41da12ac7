import { z } from "@hono/zod-openapi";

/**
 * A browser's WebAuthn answer as `@simplewebauthn/browser` gives it (RegistrationResponseJSON or
 * AuthenticationResponseJSON), checked loosely and bounded: the library verifies the rest.
 */
export const WebAuthnResponse = z.looseObject({
  id: z.string().min(1).max(1400),
  rawId: z.string().min(1).max(1400),
  type: z.literal("public-key"),
  response: z.looseObject({ clientDataJSON: z.string().min(1).max(4096) }),
  clientExtensionResults: z.looseObject({}),
});
