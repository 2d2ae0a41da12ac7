import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { EmailAddress } from "../address.ts";
import type { PinGuard } from "../limits/pin-guard.ts";
import { type EraseDeps, eraseAddress } from "../privacy/erase.ts";
import { Erased } from "./api-schemas.ts";
import { limitBody, readBody } from "./body.ts";
import { invalidInput } from "./errors.ts";
import { formOrJsonBody, JSON_TYPE, jsonError, SECRET_PIN_SCHEME } from "./openapi.ts";
import { PIN_ERRORS, requirePin } from "./pin-check.ts";

export type EraseRoutesDeps = EraseDeps & { pinGuard: PinGuard; secretPin: string; now: () => Date };

/** What the board sends: the address, and where the request came from, for the record. */
export const EraseRequest = z.object({
  email: EmailAddress,
  reason: z.string().trim().max(200, "At most 200 characters").optional(),
  secretPin: z.string().optional(),
});

/**
 * `POST /api/registration/erase`: the board erases an address on a request that came by other
 * means (a letter, a support ticket), behind the PIN. Who asked is recorded as `board`; once members
 * exist, the member the authentication puts on the request goes in `who`, and the audit log's
 * `record()` is called where the erase logs.
 */
export function eraseRoutes({ pinGuard, secretPin, now, ...deps }: EraseRoutesDeps) {
  const app = new OpenAPIHono();
  const route = createRoute({
    method: "post",
    path: "/",
    summary: "Erase an address (the board, on a request by other means)",
    description:
      "Deletes the registration (moving `count` and `active` in the same transaction), its history and its " +
      "delivery records, and keeps a keyed hash of the address so that registering it again waits for its " +
      "owner's confirmation. Erasing an unknown or erased address is no error: 200 with `erased: false`.",
    security: [{ [SECRET_PIN_SCHEME]: [] }],
    middleware: [limitBody(4 * 1024), requirePin({ pinGuard, secretPin, now })],
    request: { body: formOrJsonBody(app, "EraseRequest", EraseRequest) },
    responses: {
      200: { description: "Erased, or nothing left to erase", content: { [JSON_TYPE]: { schema: Erased } } },
      400: jsonError("InvalidEmailException or InvalidRequestException"),
      ...PIN_ERRORS,
    },
  });
  app.openapi(route, async (c) => {
    const parsed = EraseRequest.safeParse(await readBody(c));
    if (!parsed.success) {
      const email = parsed.error.issues.some((issue) => issue.path[0] === "email");
      throw invalidInput(email ? "InvalidEmailException" : "InvalidRequestException", parsed.error);
    }
    const { email, reason } = parsed.data;
    const outcome = await eraseAddress(deps, email, { by: "board", who: "PIN", reason }, now());
    return c.json(outcome, 200);
  });
  return app;
}
