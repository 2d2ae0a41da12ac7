import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { logger } from "../log.ts";
import type * as z from "../zod-mini.ts";

/** An error meant for the caller: its `code` and message are what the JSON body says. */
export class ApiError extends Error {
  override name = "ApiError";
  readonly headers: Record<string, string>;
  readonly issues: Issue[] | undefined;
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    { headers = {}, issues }: { headers?: Record<string, string>; issues?: Issue[] } = {},
  ) {
    super(message);
    this.headers = headers;
    this.issues = issues;
  }
}

type Issue = { path: string; message: string };
export type ErrorBody = { error: string; message: string; issues?: Issue[] };

/** Domain errors by name, so that core never learns HTTP and this is the one place that maps it. */
const DOMAIN_ERRORS: Record<string, { status: ContentfulStatusCode; code: string; headers?: Record<string, string> }> =
  {
    AlreadyRegisteredError: { status: 409, code: "AlreadyRegisteredException" },
    InvalidEmailMessageError: { status: 400, code: "InvalidEmailMessageException" },
    // SES did not take a re-registration's confirmation email: registering again sends it.
    ConfirmationNotSentError: { status: 503, code: "ServiceUnavailableException", headers: { "Retry-After": "30" } },
    RegistrationBusyError: { status: 503, code: "ServiceUnavailableException", headers: { "Retry-After": "5" } },
    AuditBusyError: { status: 503, code: "ServiceUnavailableException", headers: { "Retry-After": "5" } },
    BroadcastNotFoundError: { status: 404, code: "BroadcastNotFoundException" },
    BroadcastNotPausedError: { status: 409, code: "BroadcastNotPausedException" },
    IdempotencyKeyReusedError: { status: 422, code: "IdempotencyKeyReusedException" },
    DraftNotFoundError: { status: 404, code: "DraftNotFoundException" },
    DraftStateError: { status: 409, code: "DraftStateException" },
    DraftChangedError: { status: 409, code: "DraftChangedException" },
    SelfApprovalError: { status: 403, code: "SelfApprovalException" },
    ApprovalExpiredError: { status: 409, code: "ApprovalExpiredException" },
    PasskeyApprovalError: { status: 403, code: "PasskeyApprovalException" },
    BroadcastNotCancellableError: { status: 409, code: "BroadcastNotCancellableException" },
    NotAMemberError: { status: 400, code: "NotAMemberException" },
  };

const STATUS_CODES: Partial<Record<number, string>> = {
  400: "BadRequestException",
  404: "NotFoundException",
  405: "MethodNotAllowedException",
  429: "TooManyRequestsException",
  413: "PayloadTooLargeException",
  415: "UnsupportedMediaTypeException",
  503: "ServiceUnavailableException",
};

// A busy or unreachable table is usually back within seconds.
const RETRY_SOON = { "Retry-After": "5" };
const UNAVAILABLE = "The service is briefly unavailable; try again shortly";

/** What a request that ran out of time throws: answered like an unreachable table. */
export const outOfTime = () => new HTTPException(503, { message: UNAVAILABLE });

// Errors after which the same request can succeed: throttling, a busy or unreachable table.
const TRANSIENT_AWS_ERRORS = new Set([
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "ThrottlingException",
  "TransactionCanceledException",
  // A transaction held the item longer than the retries waited (`transactWrite`, `retryingConflicts`).
  "TransactionConflictException",
  "InternalServerError",
  "ServiceUnavailable",
  "TimeoutError",
]);
const TRANSIENT_NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH"]);

/** Turns a zod failure into the caller's error, naming each field that is wrong. */
export function invalidInput(code: string, error: z.core.$ZodError): ApiError {
  const issues = error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
  return new ApiError(400, code, issues[0]?.message ?? "Invalid request", { issues });
}

/**
 * What a request whose path, query or headers break the route's schema gets: thrown, so that the
 * app's error handler answers it in its own shape (JSON for the API, a page for the console).
 */
export const invalidRequestHook =
  (code = "InvalidRequestException") =>
  (result: { success: boolean; error?: z.core.$ZodError }): undefined => {
    if (!result.success && result.error) throw invalidInput(code, result.error);
    return undefined;
  };

/** The response for anything thrown while handling a request. Never leaks internals. */
export function errorResponse(error: unknown): {
  status: ContentfulStatusCode;
  body: ErrorBody;
  headers: Record<string, string>;
} {
  if (error instanceof ApiError) {
    const body = { error: error.code, message: error.message, issues: error.issues };
    return { status: error.status, body, headers: error.headers };
  }
  if (error instanceof Error && error.name in DOMAIN_ERRORS) {
    const { status, code, headers = {} } = DOMAIN_ERRORS[error.name]!;
    if (status >= 500) logger.warn("request failed", { error: describe(error), cause: describe(error.cause) });
    return { status, body: { error: code, message: error.message }, headers };
  }
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode;
    const code = STATUS_CODES[status] ?? "HttpException";
    return { status, body: { error: code, message: error.message || code }, headers: status === 503 ? RETRY_SOON : {} };
  }
  if (isTransient(error)) {
    logger.warn("dependency unavailable", { error: describe(error) });
    return {
      status: 503,
      body: { error: "ServiceUnavailableException", message: UNAVAILABLE },
      headers: RETRY_SOON,
    };
  }
  logger.error("unhandled error", { error: describe(error) });
  return { status: 500, body: { error: "InternalError", message: "Something went wrong on our side" }, headers: {} };
}

function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return TRANSIENT_AWS_ERRORS.has(error.name) || (typeof code === "string" && TRANSIENT_NETWORK_CODES.has(code));
}

function describe(error: unknown): Record<string, unknown> {
  return error instanceof Error
    ? { name: error.name, message: error.message, stack: error.stack }
    : { value: String(error) };
}
