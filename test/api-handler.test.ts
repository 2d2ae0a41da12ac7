import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { handler } from "@oemr-reg/functions/api";
import type { Context } from "aws-lambda";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { uniqueEmail } from "./support/serve.ts";

type HttpApiEvent = Parameters<typeof handler>[0];

// What API Gateway's HTTP API ($default route, payload 2.0) hands the function.
function httpApiEvent(init: { method: string; path: string; contentType?: string; body?: string; base64?: boolean }): HttpApiEvent {
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: init.path,
    rawQueryString: "",
    headers: init.contentType ? { "content-type": init.contentType, host: "reg.example.org" } : { host: "reg.example.org" },
    requestContext: {
      accountId: "000000000000",
      apiId: "api",
      domainName: "reg.example.org",
      domainPrefix: "reg",
      authentication: null,
      authorizer: {},
      http: { method: init.method, path: init.path, protocol: "HTTP/1.1", sourceIp: "203.0.113.7", userAgent: "OpenEMR" },
      requestId: crypto.randomUUID(),
      routeKey: "$default",
      stage: "$default",
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    body: init.base64 && init.body ? Buffer.from(init.body).toString("base64") : (init.body ?? null),
    isBase64Encoded: Boolean(init.base64),
  };
}

const context = { functionName: "Api", getRemainingTimeInMillis: () => 10_000 } as Context;

describe("the API Lambda handler", () => {
  it("registers a form post from API Gateway, base64-encoded, and keeps the caller's source IP", async () => {
    const email = uniqueEmail();
    const event = httpApiEvent({
      method: "POST",
      path: "/api/registration",
      contentType: "application/x-www-form-urlencoded",
      body: new URLSearchParams({ email, version: "7.0.3" }).toString(),
      base64: true,
    });
    const result = await handler(event, context);
    expect(result.statusCode).toBe(201);
    const { productId } = JSON.parse(result.body) as { productId: string };

    const { Item } = await createDocumentClient().send(
      new GetCommand({ TableName: Resource.Registrations.name, Key: { email: email.toLowerCase() } }),
    );
    expect(Item).toMatchObject({ productId, sourceIp: "203.0.113.7", version: "7.0.3" });
  });

  it("answers the count and JSON errors through the same app", async () => {
    const count = await handler(httpApiEvent({ method: "GET", path: "/api/registration/unique" }), context);
    expect(count.statusCode).toBe(200);
    expect(JSON.parse(count.body)).toEqual({ count: expect.any(Number) });

    const invalid = await handler(
      httpApiEvent({ method: "POST", path: "/api/registration", contentType: "application/json", body: '{"email":"nope"}' }),
      context,
    );
    expect(invalid.statusCode).toBe(400);
    expect(JSON.parse(invalid.body)).toMatchObject({ error: "InvalidEmailException" });
  });
});
