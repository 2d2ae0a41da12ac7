import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { maskEmail } from "../address.ts";
import { EmailAddress } from "../address-schema.ts";
import type { AuditLog } from "../audit/index.ts";
import { type EraseDeps, eraseAddress } from "../privacy/erase.ts";
import { Erased } from "./api-schemas.ts";
import { limitBody, readBody } from "./body.ts";
import type { Auth } from "./caller.ts";
import { actorOf, auditedBy } from "./caller.ts";
import { invalidInput } from "./errors.ts";
import { formOrJsonBody, JSON_TYPE, jsonError, PIN_ERRORS, PIN_OR_TOKEN } from "./openapi.ts";

export type EraseRoutesDeps = EraseDeps & { auth: Auth; audit: Pick<AuditLog, "record">; now: () => Date };

/** What the board sends: the address, and where the request came from, for the record. */
export const EraseRequest = z.object({
  email: EmailAddress,
  reason: z.string().trim().max(200, "At most 200 characters").optional(),
  secretPin: z.string().optional(),
});

/**
 * `POST /api/registration/erase`: the board erases an address on a request that came by other
 * means (a letter, a support ticket): a member who may approve broadcasts, or the seed's PIN while
 * the stack allows it. Who did it goes in the audit log, with the address masked.
 */
export function eraseRoutes({ auth, audit, now, ...deps }: EraseRoutesDeps) {
  const app = new OpenAPIHono();
  const route = createRoute({
    method: "post",
    path: "/",
    operationId: "eraseAddress",
    summary: "Erase an address (the board, on a request by other means)",
    description:
      "Deletes the registration (moving `count` and `active` in the same transaction), its history and its " +
      "delivery records, and keeps a keyed hash of the address so that registering it again waits for its " +
      "owner's confirmation. Erasing an unknown or erased address is no error: 200 with `erased: false`.",
    security: PIN_OR_TOKEN,
    middleware: [limitBody(4 * 1024), auth.need("approve")],
    request: { body: formOrJsonBody(app, "EraseRequest", EraseRequest) },
    responses: {
      200: { description: "Erased, or nothing left to erase", content: { [JSON_TYPE]: { schema: Erased } } },
      400: jsonError("InvalidEmailException or InvalidRequestException"),
      415: jsonError("UnsupportedMediaTypeException: neither a form nor JSON"),
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
    const who = actorOf(c.get("caller"));
    const outcome = await eraseAddress(
      deps,
      email,
      { by: "board", who: who.kind === "member" ? who.name : "PIN", reason },
      now(),
    );
    await audit.record({ ...auditedBy(c), action: "address.erased", object: maskEmail(email) });
    return c.json(outcome, 200);
  });
  return app;
}
