import { gatewayThrottled, JSON_TYPE } from "./openapi.ts";

type Schema = Record<string, unknown>;
type Header = { description?: string; required?: boolean; schema: Schema };
type Response = { description: string; headers?: Record<string, Header>; content?: Record<string, { schema: Schema }> };
type Document = { paths: Record<string, Record<string, { responses?: Record<string, Response> }>> };

const METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);
const GATEWAY = { $ref: "#/components/schemas/GatewayThrottled" };
const GATEWAY_SAYS = gatewayThrottled.description;

/**
 * Every route has a throttle at API Gateway (`route-throttles.ts`, the stage's for the rest), and
 * a spent one answers 429 `{"message":"Too Many Requests"}` before the app sees the request. So
 * every operation's 429 says so: an operation with no 429 of its own gets the gateway's; one with
 * its own (a rate limit, the PIN lockout) answers either body, and its `Retry-After`, which the
 * gateway does not send, is no longer required. Applied to the generated document, so that a route
 * added anywhere is covered without knowing it.
 */
export function withGatewayThrottle<D extends object>(document: D): D {
  for (const item of Object.values((document as unknown as Document).paths))
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.has(method) || !operation.responses) continue;
      operation.responses["429"] = throttled(operation.responses["429"]);
    }
  return document;
}

function throttled(own: Response | undefined): Response {
  if (!own) return { description: GATEWAY_SAYS, content: { [JSON_TYPE]: { schema: GATEWAY } } };
  const json = own.content?.[JSON_TYPE]?.schema;
  if (json && JSON.stringify(json).includes(GATEWAY.$ref)) return own;
  const retryAfter = own.headers?.["Retry-After"];
  return {
    ...own,
    description: `${own.description}; or ${GATEWAY_SAYS}`,
    ...(retryAfter && {
      headers: {
        ...own.headers,
        "Retry-After": {
          ...retryAfter,
          required: false,
          description: `${retryAfter.description}; not from API Gateway`,
        },
      },
    }),
    content: { ...own.content, [JSON_TYPE]: { schema: json ? { oneOf: [json, GATEWAY] } : GATEWAY } },
  };
}
