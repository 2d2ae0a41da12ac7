import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { createDynamoRegistrationStore } from "@oemr-reg/core/registration";
import { httpApiEvent, lambdaContext } from "@oemr-reg/local/lambda-events";
import { Resource } from "sst";
import { beforeAll, describe, expect, it } from "vitest";
import { apiLinkedWith } from "./support/linked-api.ts";
import { checkedHandlerForFile, uniqueEmail } from "./support/serve.ts";
import { emailsWithSubject, eventually, runStackConsumers } from "./support/stack.ts";

// This file's stack was linked with a random UnsubscribeKey (key A) and no previous key.
const KEY_A = Resource.UnsubscribeKey.value;
const KEY_B = `rotated-${crypto.randomUUID()}`;
const PIN = Resource.SecretPin.value;
await runStackConsumers();
const store = createDynamoRegistrationStore({
  db: createDocumentClient(),
  registrationsTable: Resource.Registrations.name,
  stateTable: Resource.State.name,
});

type ApiHandler = typeof import("@oemr-reg/functions/api").handler;

async function call(
  handler: ApiHandler,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
) {
  const response = await checkedHandlerForFile(handler)(httpApiEvent({ method, path, body, headers }), lambdaContext);
  if (typeof response === "string") throw new Error("the API answered a bare string");
  return { status: response.statusCode, body: response.body ?? "" };
}

const oneClick = (handler: ApiHandler, path: string) =>
  call(handler, "POST", path, "List-Unsubscribe=One-Click", { "content-type": "application/x-www-form-urlencoded" });

/** Registers `email` and broadcasts to it through the API linked with key A: its email's unsubscribe path. */
async function mailedUnsubscribePath(email: string): Promise<string> {
  const api = (await apiLinkedWith({ UnsubscribeKey: KEY_A, UnsubscribeKeyPrevious: "" })).handler;
  const form = { "content-type": "application/x-www-form-urlencoded" };
  expect((await call(api, "POST", "/api/registration", new URLSearchParams({ email }).toString(), form)).status).toBe(
    201,
  );
  const title = `Before the rotation ${crypto.randomUUID()}`;
  const started = await call(
    api,
    "POST",
    "/api/registration/broadcast",
    JSON.stringify({ secretPin: PIN, title, contents: "Upgrade now." }),
    {
      "content-type": "application/json",
    },
  );
  expect(started.status).toBe(200);
  const { broadcastId } = JSON.parse(started.body) as { broadcastId: string };
  await eventually(
    async () => {
      const progress = await call(api, "GET", `/api/registration/broadcast/${broadcastId}`, undefined, {
        "x-secret-pin": PIN,
      });
      return (JSON.parse(progress.body) as { status: string }).status === "done" ? true : undefined;
    },
    60_000,
    "the broadcast",
  );
  const [mail] = await emailsWithSubject(title);
  const path = /https:\/\/reg\.test\.example\.org(\/api\/registration\/unsubscribe\/[\w.-]+)/.exec(
    mail?.body.text ?? "",
  )?.[1];
  expect(path).toBeDefined();
  return path!;
}

describe("rotating UnsubscribeKey", () => {
  const email = uniqueEmail("rotation");
  let path: string;
  beforeAll(async () => {
    path = await mailedUnsubscribePath(email);
  }, 90_000);

  it("refuses a link mailed under the old key once the new key is linked without UnsubscribeKeyPrevious", async () => {
    const api = (await apiLinkedWith({ UnsubscribeKey: KEY_B, UnsubscribeKeyPrevious: "" })).handler;
    for (const answer of [await call(api, "GET", path), await oneClick(api, path)]) {
      expect(answer.status).toBe(400);
      expect(answer.body).toContain("This link is not valid");
    }
    expect((await store.get(email.toLowerCase()))?.status).toBe("active");
  });

  it("unsubscribes with a link mailed under the old key once it is linked as UnsubscribeKeyPrevious", async () => {
    const api = (await apiLinkedWith({ UnsubscribeKey: KEY_B, UnsubscribeKeyPrevious: KEY_A })).handler;
    const page = await call(api, "GET", path);
    expect(page.status).toBe(200);
    expect(page.body).toContain(email);
    const answer = await oneClick(api, path);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain("will get no more OpenEMR announcements");
    expect((await store.get(email.toLowerCase()))?.status).toBe("unsubscribed");
  });
});
