import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AuditLog } from "../audit/index.ts";
import type { DraftStore } from "../drafts/store.ts";
import { TEST_SENDS_PER_HOUR, TestSendLimitError, type TestSendResult } from "../drafts/test-send.ts";
import { limitBody, readBody } from "./body.ts";
import { type Auth, auditedBy } from "./caller.ts";
import { ApiError, invalidInput } from "./errors.ts";
import { JSON_TYPE, jsonError, PIN_ERRORS, PIN_OR_TOKEN, retryAfter, schemaRef } from "./openapi.ts";

const MAX_TEST_BYTES = 4 * 1024;

/** Who a test goes to: members by id; none named, the caller itself. No address is taken. */
const TestSendBody = z.strictObject({
  memberIds: z.array(z.string().min(1).max(64)).min(1).max(10).optional().meta({
    description: "Active members' ids; absent, the calling member. An address is refused: the route relays no mail.",
  }),
});
const TestSent = z.object({
  sent: z.number().int(),
  bytes: z.number().int().meta({ description: "The largest email's size, MIME and signature included" }),
  warnings: z.array(z.string()).meta({ description: "E.g. over 100 KB, which Gmail clips" }),
});

export type DraftTestDeps = {
  drafts: DraftStore;
  auth: Auth;
  audit: Pick<AuditLog, "record">;
  /** `sendTest` (drafts/test-send.ts) with its mailer and signer, built on first use. */
  testSend: (draftId: string, options: { caller: string; memberIds: string[]; now: Date }) => Promise<TestSendResult>;
  now: () => Date;
};

/** `POST /api/drafts/{draftId}/test`: the draft as recipients get it, "[Test]", to members only. */
export function draftTestRoute(app: OpenAPIHono, { drafts, auth, audit, testSend, now }: DraftTestDeps) {
  const route = createRoute({
    method: "post",
    path: "/{draftId}/test",
    operationId: "testSendDraft",
    security: PIN_OR_TOKEN,
    summary: "Send a test of the draft to members",
    description:
      "Built by the senders' own code (the same MIME, headers and signature as a recipient's), subject " +
      `prefixed "[Test] ". To the caller, or to active members by id; never to an address. ${TEST_SENDS_PER_HOUR} ` +
      "an hour per caller.",
    middleware: [limitBody(MAX_TEST_BYTES), auth.need("compose")],
    request: {
      params: z.object({ draftId: z.string().meta({ param: { name: "draftId", in: "path" } }) }),
      body: { required: false, content: { [JSON_TYPE]: { schema: schemaRef(app, "TestSendBody", TestSendBody) } } },
    },
    responses: {
      200: { description: "Sent", content: { [JSON_TYPE]: { schema: TestSent } } },
      400: jsonError("InvalidTestSendException: an address or an unknown field; NotAMemberException"),
      404: jsonError("DraftNotFoundException"),
      413: jsonError(`PayloadTooLargeException: over ${MAX_TEST_BYTES} bytes`),
      415: jsonError("UnsupportedMediaTypeException: not JSON"),
      ...PIN_ERRORS,
      429: jsonError("TooManyRequestsException: this caller's test sends this hour are spent", retryAfter),
    },
  });
  app.openapi(route, async (c) => {
    const draftId = c.req.param("draftId")!;
    const parsed = TestSendBody.safeParse((await c.req.raw.clone().text()).trim() ? await readBody(c) : {});
    if (!parsed.success) throw invalidInput("InvalidTestSendException", parsed.error);
    const caller = c.get("caller");
    const memberIds = parsed.data.memberIds ?? (caller.kind === "member" ? [caller.member.id] : []);
    if (memberIds.length === 0)
      throw new ApiError(400, "InvalidTestSendException", "The PIN has no address: name members by `memberIds`");
    if (!(await drafts.get(draftId))) throw new ApiError(404, "DraftNotFoundException", "No draft has this id");
    const key = caller.kind === "member" ? caller.member.id : "PIN";
    try {
      const result = await testSend(draftId, { caller: key, memberIds, now: now() });
      await audit.record({ ...auditedBy(c), action: "draft.test-sent", object: draftId });
      return c.json(result, 200);
    } catch (error) {
      if (!(error instanceof TestSendLimitError)) throw error;
      const headers = { "Retry-After": String(error.retryAfterSeconds) };
      throw new ApiError(429, "TooManyRequestsException", error.message, { headers });
    }
  });
}
