import type { Context, MiddlewareHandler } from "hono";
import type { Actor, AuditLog } from "../audit/index.ts";
import type { Member, Role, Tokens } from "../members/index.ts";
import { readBody } from "./body.ts";
import { clientIp } from "./client-ip.ts";
import { ApiError } from "./errors.ts";
import { createPinCheck, PIN_HEADER, type PinCheckDeps } from "./pin-check.ts";

/** Who is calling: a member with the roles its token or session carries, or whoever holds the PIN. */
export type Caller = { kind: "member"; member: Member; roles: Role[] } | { kind: "PIN" };

declare module "hono" {
  interface ContextVariableMap {
    caller: Caller;
  }
}

/** The seed's PIN stands for the board as it was: it composes and sends, and manages no one. */
const PIN_ROLES: readonly Role[] = ["compose", "approve"];

export type AuthDeps = PinCheckDeps & {
  tokens: Pick<Tokens, "authenticate">;
  audit: Pick<AuditLog, "record">;
  /** The stage's `pinRoutes`: off, a PIN route answers 410 and asks for a token. On unless said. */
  pinRoutes?: boolean;
};

/** The roles a caller holds: its own, or the PIN's. */
export const rolesOf = (caller: Caller): readonly Role[] => (caller.kind === "PIN" ? PIN_ROLES : caller.roles);

/** The audit log's name for a caller. */
export function actorOf(caller: Caller): Actor {
  return caller.kind === "PIN" ? { kind: "PIN" } : { kind: "member", id: caller.member.id, name: caller.member.name };
}

/** The caller as the route's audit record names it, and where from. */
export const auditedBy = (c: Context) => ({ actor: actorOf(c.get("caller")), ip: clientIp(c) });

/**
 * The one authentication of the API: `Authorization: Bearer <personal token>`, else the board's
 * PIN (`X-Secret-Pin`, or the body's `secretPin`, as the seed's clients send it) while the stage
 * allows it. `need(role)` guards a route: it puts the caller on the request (`c.get("caller")`) or
 * answers 401 (no or a bad credential), 403 (not the role) or 410 (the PIN, switched off).
 */
export function createAuth({ tokens, audit, pinRoutes = true, ...pin }: AuthDeps) {
  const pinCheck = createPinCheck(pin);

  async function withPin(c: Context): Promise<Caller> {
    if (!pinRoutes)
      throw new ApiError(
        410,
        "PinRoutesGoneException",
        "This stack no longer takes the PIN: send a personal token as `Authorization: Bearer <token>` " +
          "(create one in the console; `oemr-reg login` keeps it for the CLI)",
      );
    let candidate: unknown = c.req.header(PIN_HEADER);
    if (candidate === undefined && c.req.header("content-type")) {
      const body = await readBody(c);
      candidate = typeof body === "object" && body !== null ? (body as Record<string, unknown>).secretPin : undefined;
    }
    const route = `${c.req.method} ${c.req.path}`;
    try {
      await pinCheck(c, candidate);
    } catch (error) {
      // Only a wrong or missing PIN: a lockout's refusals compare nothing and are not recorded.
      if (error instanceof ApiError && error.status === 401)
        await audit.record({ actor: { kind: "PIN" }, action: "pin.refused", object: route, ip: clientIp(c) });
      throw error;
    }
    await audit.record({ actor: { kind: "PIN" }, action: "pin.used", object: route, ip: clientIp(c) });
    return { kind: "PIN" };
  }

  async function identify(c: Context): Promise<Caller> {
    const authorization = c.req.header("authorization");
    if (authorization === undefined) return withPin(c);
    const [, token] = /^Bearer +(\S+)$/i.exec(authorization) ?? [];
    const found = token ? await tokens.authenticate(token) : undefined;
    if (!found)
      throw new ApiError(401, "InvalidTokenException", "The token is malformed, unknown, revoked or expired", {
        headers: { "WWW-Authenticate": "Bearer" },
      });
    return { kind: "member", member: found.member, roles: found.roles };
  }

  return {
    /** The guard of a route that needs `role` (or one of several); with none, any caller who proves who it is. */
    need(role?: Role | Role[]): MiddlewareHandler {
      const wanted = role === undefined ? [] : [role].flat();
      return async function authorize(c, next) {
        const caller = await identify(c);
        if (wanted.length > 0 && !wanted.some((one) => rolesOf(caller).includes(one)))
          throw new ApiError(403, "MissingRoleException", `This route needs the \`${wanted.join("` or `")}\` role`);
        c.set("caller", caller);
        await next();
      };
    },
    /** The PIN alone, for the console's PIN login. */
    pin: withPin,
  };
}

export type Auth = ReturnType<typeof createAuth>;
