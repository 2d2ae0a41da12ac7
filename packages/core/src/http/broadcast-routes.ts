import { type Context, Hono } from "hono";
import type { WorkQueue } from "../aws/sqs.ts";
import {
  type BroadcastStore,
  type FanoutTask,
  type PinGuard,
  pinMatches,
  resumePausedBroadcast,
  startBroadcast,
} from "../broadcast/index.ts";
import { BroadcastMessage, renderBroadcast } from "../email/index.ts";
import { logger } from "../log.ts";
import { limitBody, readBody } from "./body.ts";
import { clientIp } from "./client-ip.ts";
import { ApiError, invalidInput } from "./errors.ts";

// Room for 200 KiB of Markdown and 200 KiB of HTML, even with JSON escaping.
const MAX_BROADCAST_BYTES = 1024 * 1024;
// A resume carries at most the PIN.
const MAX_RESUME_BYTES = 4 * 1024;

export type BroadcastRoutesDeps = {
  broadcasts: BroadcastStore;
  fanoutQueue: WorkQueue<FanoutTask>;
  pinGuard: PinGuard;
  secretPin: string;
  now: () => Date;
};

export function broadcastRoutes({ broadcasts, fanoutQueue, pinGuard, secretPin, now }: BroadcastRoutesDeps) {
  /** Lets the board in, or counts a wrong PIN against the caller's address. */
  async function authorize(c: Context, candidate: unknown): Promise<void> {
    const ip = clientIp(c) ?? "unknown";
    const at = now();
    const lockedUntil = await pinGuard.lockedUntil(ip, at);
    if (lockedUntil) {
      const retryAfter = Math.ceil((lockedUntil.getTime() - at.getTime()) / 1000);
      throw new ApiError(429, "TooManyRequestsException", `Too many wrong PINs: try again in ${Math.ceil(retryAfter / 60)} minutes`, {
        headers: { "Retry-After": String(retryAfter) },
      });
    }
    if (typeof candidate !== "string" || !pinMatches(secretPin, candidate)) {
      await pinGuard.recordFailure(ip, at);
      throw new ApiError(401, "InvalidSecretPinException", "The secret PIN is missing or wrong");
    }
  }

  return new Hono()
    .post("/", limitBody(MAX_BROADCAST_BYTES), async (c) => {
      const body = await readBody(c);
      const fields = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
      await authorize(c, fields.secretPin);
      const parsed = BroadcastMessage.safeParse(fields);
      if (!parsed.success) throw invalidInput("InvalidEmailMessageException", parsed.error);
      // Rendering now rejects HTML that sanitizes to nothing before anyone is queued.
      renderBroadcast(parsed.data);
      const broadcastId = await startBroadcast({ broadcasts, fanoutQueue, now: now() }, parsed.data);
      logger.info("broadcast queued", { broadcastId });
      return c.json({ status: "sent", broadcastId }, 200);
    })
    .get("/:broadcastId", async (c) => {
      await authorize(c, c.req.header("x-secret-pin"));
      const broadcast = await broadcasts.get(c.req.param("broadcastId"));
      if (!broadcast) throw new ApiError(404, "BroadcastNotFoundException", "No broadcast has this id");
      return c.json(broadcast);
    })
    .post("/:broadcastId/resume", limitBody(MAX_RESUME_BYTES), async (c) => {
      // The PIN as the GET takes it, or in the body as the POST that started the broadcast sends it.
      let candidate: unknown = c.req.header("x-secret-pin");
      if (candidate === undefined && c.req.header("content-type")) {
        const body = await readBody(c);
        candidate = typeof body === "object" && body !== null ? (body as Record<string, unknown>).secretPin : undefined;
      }
      await authorize(c, candidate);
      const broadcastId = c.req.param("broadcastId");
      const broadcast = await resumePausedBroadcast({ broadcasts, fanoutQueue, now: now() }, broadcastId);
      logger.info("broadcast resumed", { broadcastId });
      return c.json(broadcast, 200);
    });
}
