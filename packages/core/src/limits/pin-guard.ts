import { createHash, timingSafeEqual } from "node:crypto";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { logger } from "../log.ts";
import { metrics } from "../resources.ts";
import { RATE_WINDOWS } from "../state/keys.ts";
import { createWindowCounter, type WindowCount } from "./window-counter.ts";

/**
 * Whether a candidate PIN is the board's. Both sides are hashed to equal length first, so the
 * comparison takes the same time whatever the candidate, and leaks neither content nor length.
 */
export function pinMatches(expected: string, candidate: string): boolean {
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(expected), digest(candidate));
}

/** One comparison the guard allowed, charged to the caller's IP and to everyone's allowance. */
export type PinAttempt = { granted: true; ip: string; ipWindow: WindowCount; allWindow: WindowCount };
/** No comparison: `scope` says whose wrong PINs used the allowance up, `until` when it returns. */
export type PinRefusal = { granted: false; scope: "ip" | "all"; until: Date };

export type PinGuard = {
  /** Takes one comparison from the caller's allowance and from everyone's, before any comparing. */
  reserve(ip: string, now: Date): Promise<PinAttempt | PinRefusal>;
  /** The PIN was right: the comparison is given back. */
  succeeded(attempt: PinAttempt): Promise<void>;
  /** The PIN was wrong: the comparison stays spent; the last one allowed locks every PIN route. */
  failed(attempt: PinAttempt, now: Date): Promise<void>;
};

export type PinGuardOptions = {
  db: DynamoDBDocumentClient;
  stateTable: string;
  /** Wrong PINs one IP may send in `windowSeconds`. */
  maxFailures?: number;
  windowSeconds?: number;
  /** Wrong PINs from all IPs together in `globalWindowSeconds`, after which every PIN route locks for that long. */
  maxGlobalFailures?: number;
  globalWindowSeconds?: number;
};

const ALL = "all";

/**
 * Wrong PINs per IP, and from every IP together, in fixed windows kept in DynamoDB with a TTL, so
 * every Lambda instance sees the same counts. A comparison is reserved with a conditional `ADD`
 * before it is made, so concurrent guesses get no more comparisons than the limits allow.
 */
export function createPinGuard({
  db,
  stateTable,
  maxFailures = 5,
  windowSeconds = 15 * 60,
  maxGlobalFailures = 50,
  globalWindowSeconds = 60 * 60,
}: PinGuardOptions): PinGuard {
  const perIp = createWindowCounter({ db, stateTable, name: RATE_WINDOWS.pinFailuresPerIp, windowSeconds });
  const everyone = createWindowCounter({
    db,
    stateTable,
    name: RATE_WINDOWS.pinFailuresEverywhere,
    windowSeconds: globalWindowSeconds,
  });
  return {
    async reserve(ip, now) {
      const ipWindow = await perIp.take(ip, now, maxFailures);
      if (!ipWindow.granted) return { granted: false, scope: "ip", until: ipWindow.endsAt };
      const allWindow = await everyone.take(ALL, now, maxGlobalFailures);
      if (!allWindow.granted) {
        await perIp.giveBack(ip, ipWindow);
        return { granted: false, scope: "all", until: allWindow.endsAt };
      }
      return { granted: true, ip, ipWindow, allWindow };
    },

    async succeeded({ ip, ipWindow, allWindow }) {
      await Promise.all([perIp.giveBack(ip, ipWindow), everyone.giveBack(ALL, allWindow)]);
    },

    async failed({ ip, ipWindow, allWindow }, now) {
      // As for everyone's lock below: an IP's lock lasts a full window from its last allowed wrong
      // PIN, so "locked out for 15 minutes" holds however late in its window the guesses came.
      if (ipWindow.hits >= maxFailures) await perIp.extend(ip, new Date(now.getTime() + windowSeconds * 1000));
      if (allWindow.hits < maxGlobalFailures) return;
      // The lock lasts a full window from the last allowed failure, however late in its window.
      await everyone.extend(ALL, new Date(now.getTime() + globalWindowSeconds * 1000));
      logger.warn("every PIN route locked: too many wrong PINs from all addresses", { failures: allWindow.hits });
      // Powertools Metrics loads only here, on a lockout, not on every cold start of the API.
      const { countEvent } = await import("../metrics.ts");
      countEvent(metrics.pinLockouts);
    },
  };
}
