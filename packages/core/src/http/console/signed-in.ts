import type { Context } from "hono";
import type { MemberStore } from "../../members/store.ts";
import { actorOf, type Caller } from "../caller.ts";
import { clientIp } from "../client-ip.ts";
import type { Session, Sessions } from "./session.ts";

/** A console session with whom it stands for: an active member, or the PIN while the stack has none. */
export type SignedIn = Session & { caller: Caller };
export type ConsoleSessions = Omit<Sessions, "read"> & { read(c: Context): Promise<SignedIn | undefined> };

/**
 * The console's sessions as every page reads them: a member's only while that member is active, so
 * revoking one ends its sessions at once; the PIN's only while no member is active.
 */
export function signedInSessions(sessions: Sessions, members: Pick<MemberStore, "anyActive" | "get">): ConsoleSessions {
  async function signedIn(c: Context): Promise<SignedIn | undefined> {
    const session = await sessions.read(c);
    if (!session) return undefined;
    if (!session.memberId) return (await members.anyActive()) ? undefined : { ...session, caller: { kind: "PIN" } };
    const member = await members.get(session.memberId);
    if (member?.status !== "active") return undefined;
    return { ...session, caller: { kind: "member", member, roles: member.roles } };
  }
  // A request's guard, page and audit record each ask who is signed in: the tables are read once.
  const read = new WeakMap<Request, Promise<SignedIn | undefined>>();
  return {
    ...sessions,
    read(c) {
      const found = read.get(c.req.raw) ?? signedIn(c);
      read.set(c.req.raw, found);
      return found;
    },
  };
}

/** The signed-in caller as the route's audit record names it, and where from. */
export async function auditedBySession(c: Context, sessions: ConsoleSessions) {
  const session = await sessions.read(c);
  // Every console action runs behind a session check: a session is there.
  return { actor: actorOf(session!.caller), ip: clientIp(c) };
}
