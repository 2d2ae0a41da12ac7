import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { handler as apiHandler } from "@oemr-reg/functions/api";
import { lambdaContext as context, httpApiEvent } from "@oemr-reg/local/lambda-events";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { checkedHandlerForFile, uniqueEmail } from "./support/serve.ts";

const handler = checkedHandlerForFile(apiHandler);

describe("the API Lambda handler", () => {
  it("registers a form post from API Gateway, base64-encoded, and keeps the caller's source IP", async () => {
    const email = uniqueEmail();
    const event = httpApiEvent({
      method: "POST",
      path: "/api/registration",
      headers: { "content-type": "application/x-www-form-urlencoded" },
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
    expect(JSON.parse(count.body)).toEqual({ count: expect.any(Number), active: expect.any(Number) });

    const invalid = await handler(
      httpApiEvent({
        method: "POST",
        path: "/api/registration",
        headers: { "content-type": "application/json" },
        body: '{"email":"nope"}',
      }),
      context,
    );
    expect(invalid.statusCode).toBe(400);
    expect(JSON.parse(invalid.body)).toMatchObject({ error: "InvalidEmailException" });
  });
});
