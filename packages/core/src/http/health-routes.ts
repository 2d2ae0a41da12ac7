import { Hono } from "hono/tiny";
import { logger } from "../log.ts";
import type { RegistrationStore } from "../registration/store.ts";

/**
 * `GET /`, as the 2016 server answered it (uptime monitors expect `{"status": "up"}`), and
 * `GET /api/health`, which also reads the table and answers 503 when it cannot. Plain Hono,
 * described by `health-operations.ts` (issue #26).
 */
export function healthRoutes({ registrations }: { registrations: RegistrationStore }) {
  return new Hono()
    .get("/", (c) => c.json({ status: "up" as const }, 200))
    .get("/api/health", async (c) => {
      try {
        await registrations.counts();
      } catch (error) {
        // Whatever the reason (unreachable, throttled, missing), the caller's answer is the same.
        logger.warn("health check failed", { error: error instanceof Error ? error.name : String(error) });
        return c.json({ error: "ServiceUnavailableException", message: "The table cannot be read" }, 503, {
          "Retry-After": "5",
        });
      }
      return c.json({ status: "up" as const }, 200);
    });
}
