import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { app } from "@oemr-reg/functions/api";
import { Resource } from "sst";
import { describe, expect, it } from "vitest";
import { postForm, postJson, serveForFile, uniqueEmail } from "./support/serve.ts";

const base = await serveForFile(app);
const registrationUrl = `${base}/api/registration`;
const db = createDocumentClient();
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function count(): Promise<number> {
  const response = await fetch(`${base}/api/registration/unique`);
  expect(response.status).toBe(200);
  const body = (await response.json()) as { count: number };
  return body.count;
}

async function storedRegistration(email: string) {
  const { Item } = await db.send(
    new GetCommand({ TableName: Resource.Registrations.name, Key: { email }, ConsistentRead: true }),
  );
  return Item;
}

describe("POST /api/registration", () => {
  it("registers a form-encoded address, as OpenEMR sends it, and stores everything it sent", async () => {
    const email = uniqueEmail("Admin");
    const response = await postForm(registrationUrl, { email, version: "7.0.3", distribution: "docker" });
    expect(response.status).toBe(201);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const { productId } = (await response.json()) as { productId: string };
    expect(productId).toMatch(UUID_V4);

    const item = await storedRegistration(email.toLowerCase());
    expect(item).toMatchObject({
      email: email.toLowerCase(),
      address: email,
      productId,
      version: "7.0.3",
      distribution: "docker",
      status: "active",
      sourceIp: "127.0.0.1",
    });
    expect(Date.parse(item!.registeredAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it("registers a JSON body, as older clients send it, with or without a charset", async () => {
    const plain = await postJson(registrationUrl, { email: uniqueEmail() });
    expect(plain.status).toBe(201);
    const withCharset = await fetch(registrationUrl, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ email: uniqueEmail() }),
    });
    expect(withCharset.status).toBe(201);
    expect(((await withCharset.json()) as { productId: string }).productId).toMatch(UUID_V4);
  });

  it("trims the address before validating and storing it", async () => {
    const email = uniqueEmail();
    const response = await postForm(registrationUrl, { email: `  ${email}\t` });
    expect(response.status).toBe(201);
    expect((await storedRegistration(email))?.address).toBe(email);
  });

  it("returns 409 when the address is registered already, in any letter case", async () => {
    const email = uniqueEmail();
    expect((await postForm(registrationUrl, { email })).status).toBe(201);
    const again = await postJson(registrationUrl, { email: email.toUpperCase() });
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({
      error: "AlreadyRegisteredException",
      message: "This email address is already registered",
    });
  });

  it.each([
    ["an empty address", ""],
    ["only spaces", "   "],
    ["no @", "admin.example.org"],
    ["two @", "admin@clinic@example.org"],
    ["a domain without a dot", "admin@localhost"],
    ["a space inside", "ad min@example.org"],
    ["a control character", "admin\u0007@example.org"],
    ["a newline inside", "admin@exam\nple.org"],
    ["255 characters", `${"a".repeat(64)}@${"b".repeat(186)}.org`],
    ["a 65-character local part", `${"a".repeat(65)}@example.org`],
  ])("returns 400 InvalidEmailException for %s", async (_, email) => {
    const response = await postForm(registrationUrl, { email });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; message: string };
    expect(body.error).toBe("InvalidEmailException");
    expect(body.message.length).toBeGreaterThan(5);
  });

  it("returns 400 InvalidEmailException when the email field is missing or not a string", async () => {
    for (const body of [{}, { email: 42 }, { email: null }, { email: ["a@b.org"] }]) {
      const response = await postJson(registrationUrl, body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toBe("InvalidEmailException");
    }
  });

  it("accepts an address of exactly 254 characters", async () => {
    const local = crypto.randomUUID().replaceAll("-", "");
    const email = `${local}@${"d".repeat(254 - local.length - 5)}.org`;
    expect(email).toHaveLength(254);
    expect((await postForm(registrationUrl, { email })).status).toBe(201);
  });

  it("returns 400 InvalidRequestException for a version that is too long", async () => {
    const response = await postForm(registrationUrl, { email: uniqueEmail(), version: "7".repeat(65) });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "InvalidRequestException", issues: [{ path: "version" }] });
  });

  it("returns 400 MalformedRequestException for broken JSON and for JSON that is not an object", async () => {
    for (const body of ['{"email": ', "[]", '"admin@example.org"', "null"]) {
      const response = await fetch(registrationUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toBe("MalformedRequestException");
    }
  });

  it("returns 415 for any other content type, or none", async () => {
    const multipart = new FormData();
    multipart.set("email", uniqueEmail());
    const bodies: RequestInit[] = [
      { headers: { "content-type": "text/plain" }, body: "email=a@b.org" },
      { body: multipart },
      { body: new Blob([JSON.stringify({ email: uniqueEmail() })]) },
    ];
    for (const init of bodies) {
      const response = await fetch(registrationUrl, { method: "POST", ...init });
      expect(response.status).toBe(415);
      expect(((await response.json()) as { error: string }).error).toBe("UnsupportedMediaTypeException");
    }
  });

  it("returns 413 for a body over 16 KiB and stores nothing", async () => {
    const before = await count();
    const email = uniqueEmail();
    const response = await postForm(registrationUrl, { email, padding: "x".repeat(16 * 1024) });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: string }).error).toBe("PayloadTooLargeException");
    expect(await storedRegistration(email)).toBeUndefined();
    expect(await count()).toBe(before);
  });

  it("gives exactly one 201 and 99 409s to 100 concurrent requests for one address, and counts it once", async () => {
    const before = await count();
    const email = uniqueEmail("race");
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        i % 2 ? postForm(registrationUrl, { email }) : postJson(registrationUrl, { email }),
      ),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(99);
    expect(await count()).toBe(before + 1);
  });

  it("counts every address of a concurrent burst exactly", async () => {
    const before = await count();
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => postForm(registrationUrl, { email: uniqueEmail("burst") })),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(50).fill(201));
    expect(await count()).toBe(before + 50);
  });
});

describe("GET /api/registration/unique", () => {
  it("returns the number of registrations, rising by one per new address only", async () => {
    const before = await count();
    const email = uniqueEmail();
    await postForm(registrationUrl, { email });
    await postForm(registrationUrl, { email });
    expect(await count()).toBe(before + 1);
  });
});

describe("routes that do not exist", () => {
  it("returns 404 as JSON", async () => {
    const response = await fetch(`${base}/api/nothing`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: string }).error).toBe("NotFoundException");
  });
});
