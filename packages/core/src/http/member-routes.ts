import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { ROLES } from "../members/roles.ts";
import type { Auth } from "./caller.ts";
import { JSON_TYPE, PIN_ERRORS, PIN_OR_TOKEN } from "./openapi.ts";

const Me = z
  .object({
    kind: z.enum(["member", "PIN"]),
    id: z.string().optional(),
    name: z.string().optional(),
    roles: z.array(z.enum(ROLES)),
  })
  .openapi("Caller");

/** What the members' own tools ask of the API: who a credential stands for. */
export function memberRoutes({ auth }: { auth: Auth }) {
  const app = new OpenAPIHono();
  const meRoute = createRoute({
    method: "get",
    path: "/me",
    operationId: "whoAmI",
    summary: "Who the credential stands for",
    description:
      "Any personal token (or the PIN): the member's id, name and the token's roles. `oemr-reg login` checks a " +
      "token with it before keeping it. No address is shown.",
    security: PIN_OR_TOKEN,
    middleware: [auth.need()],
    responses: { 200: { description: "The caller", content: { [JSON_TYPE]: { schema: Me } } }, ...PIN_ERRORS },
  });
  app.openapi(meRoute, (c) => {
    const caller = c.get("caller");
    if (caller.kind === "PIN")
      return c.json({ kind: "PIN" as const, roles: ["compose" as const, "approve" as const] }, 200);
    const { id, name } = caller.member;
    return c.json({ kind: "member" as const, id, name, roles: caller.roles }, 200);
  });
  return app;
}
