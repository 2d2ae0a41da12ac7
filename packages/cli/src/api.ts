import {
  AudienceReachBody,
  BroadcastProgress,
  BroadcastStarted,
  Erased,
  ErrorBody,
  RegistrationCounts,
  UsageSummaryBody,
} from "@oemr-reg/core/http/api-schemas";
import { BroadcastAwaitingApproval } from "@oemr-reg/core/http/draft-schemas";
import type { Audience } from "@oemr-reg/core/registration/audience";
import { z } from "zod";
import { isToken } from "./credentials.ts";
import { CliError, EXIT } from "./exit-codes.ts";

export type ApiClient = ReturnType<typeof createApiClient>;

const Caller = z.object({ kind: z.string(), name: z.string().optional(), roles: z.array(z.string()) });

/**
 * The registration API as the board's CLI calls it. Answers are parsed with the schemas the
 * OpenAPI document is made from; errors become a `CliError` with a plain sentence.
 */
export function createApiClient(baseUrl: string) {
  /**
   * One request, made up to `attempts` times while the server cannot be reached or answers 5xx:
   * only for requests that are safe to repeat (a GET, or a POST with an Idempotency-Key).
   */
  async function call<T>(schema: z.ZodType<T>, path: string, init: RequestInit = {}, attempts = 1): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const last = attempt === attempts;
      let response: Response;
      try {
        response = await fetch(`${baseUrl}${path}`, { ...init, signal: AbortSignal.timeout(30_000) });
      } catch (error) {
        if (!last) {
          await pause(attempt);
          continue;
        }
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        const reason = cause?.code ?? cause?.message ?? String(error);
        throw new CliError(
          EXIT.unavailable,
          `Cannot reach the server at ${baseUrl} (${reason}). Is it running? ` +
            "Locally, start it with npm start in this checkout (found by itself); " +
            "otherwise pass --url or set OEMR_REG_URL.",
        );
      }
      const body: unknown = await response.json().catch(() => undefined);
      if (response.status >= 500 && !last) {
        await pause(attempt);
        continue;
      }
      if (!response.ok) throw explain(response, body, baseUrl);
      const parsed = schema.safeParse(body);
      if (!parsed.success)
        throw new CliError(
          EXIT.unavailable,
          `The server at ${baseUrl} answered ${path} with something unexpected: is --url the registration API?`,
        );
      return parsed.data;
    }
  }
  // A personal token travels as a bearer token; the PIN as the seed's clients send it.
  const pinHeader = (credential: string): Record<string, string> =>
    isToken(credential) ? { authorization: `Bearer ${credential}` } : { "X-Secret-Pin": credential };

  return {
    counts: () => call(RegistrationCounts, "/api/registration/unique"),
    usageSummary: (pin: string) => call(UsageSummaryBody, "/api/usage/summary", { headers: pinHeader(pin) }),
    /** Erasing twice is no error, so a lost answer is asked again. */
    erase: (email: string, reason: string | undefined, pin: string) =>
      call(
        Erased,
        "/api/registration/erase",
        {
          method: "POST",
          headers: { "content-type": "application/json", ...pinHeader(pin) },
          body: JSON.stringify({ email, reason }),
        },
        3,
      ),
    /**
     * Sends the broadcast with a key of its own, and again with the same key if the answer is lost
     * or the server fails: the server starts it once, and answers every try with its id.
     */
    startBroadcast: (
      message: { title: string; contents: string; html?: string; audience?: Audience; archive?: false },
      pin: string,
      idempotencyKey: string = crypto.randomUUID(),
    ) =>
      call(
        z.union([BroadcastStarted, BroadcastAwaitingApproval]),
        "/api/registration/broadcast",
        {
          method: "POST",
          headers: { "content-type": "application/json", "idempotency-key": idempotencyKey, ...pinHeader(pin) },
          body: JSON.stringify(isToken(pin) ? message : { ...message, secretPin: pin }),
        },
        BROADCAST_ATTEMPTS,
      ),
    /** How many active addresses a broadcast to this audience would reach; asking it checks the PIN too. */
    audienceReach(audience: Audience | undefined, pin: string) {
      const query = new URLSearchParams();
      if (audience?.belowVersion) query.set("belowVersion", audience.belowVersion);
      for (const name of audience?.distributions ?? []) query.append("distribution", name);
      return call(AudienceReachBody, `/api/registration/audience?${query}`, { headers: pinHeader(pin) });
    },
    /** Any other route of the API, its answer parsed with `schema`: the draft commands (draft.ts). */
    request: <T>(schema: z.ZodType<T>, path: string, init: RequestInit = {}) => call(schema, path, init),
    /** Who a token stands for: how `login` checks it before keeping it. */
    whoami: (token: string) => call(Caller, "/api/members/me", { headers: pinHeader(token) }),
    progress: (broadcastId: string, pin: string) =>
      call(BroadcastProgress, `/api/registration/broadcast/${encodeURIComponent(broadcastId)}`, {
        headers: pinHeader(pin),
      }),
    resume: (broadcastId: string, pin: string) =>
      call(BroadcastProgress, `/api/registration/broadcast/${encodeURIComponent(broadcastId)}/resume`, {
        method: "POST",
        headers: pinHeader(pin),
      }),
    /**
     * Whether the server takes this PIN, asked before the board confirms rather than after: the
     * progress of a broadcast that cannot exist is a 404 with the right PIN and a 401 with a wrong
     * one. A wrong PIN counts towards the lock-out here exactly as it would when sending.
     */
    async checkPin(pin: string): Promise<void> {
      try {
        await call(BroadcastProgress, "/api/registration/broadcast/00000000-0000-0000-0000-000000000000", {
          headers: pinHeader(pin),
        });
      } catch (error) {
        if (!(error instanceof CliError && error.exitCode === EXIT.notFound)) throw error;
      }
    },
  };
}

/** Tries at starting a broadcast: the first, and two more a few seconds apart. */
const BROADCAST_ATTEMPTS = 3;

function pause(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1_000 * attempt));
}

/** The server's error as one sentence for the board, and the exit status for its kind. */
function explain(response: Response, body: unknown, baseUrl: string): CliError {
  const parsed = ErrorBody.safeParse(body);
  if (!parsed.success) {
    return new CliError(
      EXIT.unavailable,
      `The server at ${baseUrl} answered ${response.status} ${response.statusText}: is --url the registration API?`,
    );
  }
  const { error, message, issues } = parsed.data;
  switch (error) {
    case "InvalidSecretPinException":
      return new CliError(
        EXIT.wrongPin,
        "Wrong PIN: the server did not accept it. After 5 wrong PINs it refuses this computer for 15 minutes.",
      );
    case "InvalidTokenException":
      return new CliError(
        EXIT.wrongPin,
        "The server refused the personal token (revoked, expired, or its member revoked): run oemr-reg login again.",
      );
    case "MissingRoleException":
      return new CliError(EXIT.wrongPin, `Your token may not do this: ${message}.`);
    case "PinRoutesGoneException":
      return new CliError(EXIT.wrongPin, "This server no longer takes the PIN: run oemr-reg login with a token.");
    case "TooManyRequestsException": {
      const seconds = Number(response.headers.get("retry-after"));
      const minutes = Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds / 60) : undefined;
      const wait = minutes === undefined ? "a while" : `${minutes} minute${minutes === 1 ? "" : "s"}`;
      return new CliError(EXIT.lockedOut, `Locked out after too many wrong PINs: try again in ${wait}.`);
    }
    case "InvalidEmailMessageException": {
      const field = issues?.[0]?.path;
      return new CliError(
        EXIT.invalidMessage,
        `The server refused the message: ${message}${field ? ` (${field})` : ""}.`,
      );
    }
    case "PayloadTooLargeException":
      return new CliError(
        EXIT.invalidMessage,
        "The message is too long for the server: keep the text and the HTML under 200 KiB each.",
      );
    case "BroadcastNotFoundException":
      return new CliError(EXIT.notFound, "No broadcast has this id. Check it against what broadcast printed.");
    case "IdempotencyKeyReusedException":
      return new CliError(
        EXIT.failed,
        "The server has already started another broadcast under this request's key: nothing was sent.",
      );
    // The draft rules' refusals say what is wrong in their own words.
    case "DraftNotFoundException":
      return new CliError(EXIT.notFound, `${message}. Check it against oemr-reg draft list.`);
    case "SelfApprovalException":
    case "DraftStateException":
    case "DraftChangedException":
    case "ApprovalExpiredException":
    case "NotAMemberException":
    case "InvalidDraftException":
    case "ApproverNotMemberException":
      return new CliError(EXIT.failed, `${message}.`);
    case "BroadcastNotPausedException":
      return new CliError(
        EXIT.failed,
        "This broadcast is not paused, so there is nothing to resume: follow it with oemr-reg status <id>.",
      );
    default:
      if (response.status >= 500)
        return new CliError(EXIT.unavailable, `The server is unavailable (${message}). Try again in a minute.`);
      return new CliError(EXIT.unavailable, `The server refused the request: ${message} (${error}).`);
  }
}
