import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { etag } from "hono/etag";
import type { MailSigner } from "../email/pgp-signer.ts";
import { wkdLocation } from "../email/wkd.ts";
import { announcementHeaders, keysPage } from "./announcement-pages.ts";
import { etagged, gatewayThrottled, htmlResponse, jsonError, PUBLIC } from "./openapi.ts";

export type KeyRoutesDeps = {
  /** Publishes the public side of the signing keys. */
  signer: Pick<MailSigner, "published" | "fingerprint">;
  /** The address the email comes from, whose domain the Web Key Directory answers for. */
  senderAddress: string;
};

// Keys change only with a rotation: a day's caching is a day's delay for a new key.
const CACHE_CONTROL = "public, max-age=3600";
const NOT_FOUND = { error: "NotFoundException", message: "No key is published here" } as const;

const keyRoute = createRoute({
  method: "get",
  path: "/announcements/key.asc",
  operationId: "signingKeys",
  security: PUBLIC,
  summary: "The OpenPGP keys that sign announcements: the current one first, then the retired ones, armored",
  description: "Public, cached for an hour, with an ETag (`If-None-Match` gets 304).",
  responses: {
    200: {
      description: "The keys",
      headers: etagged,
      content: { "application/pgp-keys": { schema: z.string() } },
    },
    304: { description: "Not modified: the `If-None-Match` ETag still holds" },
    429: gatewayThrottled,
  },
});

const keysPageRoute = createRoute({
  method: "get",
  path: "/announcements/keys",
  operationId: "signingKeysPage",
  security: PUBLIC,
  summary: "The fingerprint of the key that signs now, and every retired key's with when it was replaced",
  description: "A public page, cached for an hour, with an ETag (`If-None-Match` gets 304).",
  responses: {
    200: { ...htmlResponse("The page"), headers: etagged },
    304: { description: "Not modified: the `If-None-Match` ETag still holds" },
    429: gatewayThrottled,
  },
});

const wkdKeyRoute = createRoute({
  method: "get",
  path: "/.well-known/openpgpkey/hu/{hash}",
  operationId: "wkdKey",
  security: PUBLIC,
  summary: "The Web Key Directory (direct method): the signing key, binary, for the sender's address",
  description: "Answers only on the sender's domain, for the hash of the sender's local part.",
  request: { params: z.object({ hash: z.string() }) },
  responses: {
    200: {
      description: "The key",
      headers: etagged,
      content: { "application/octet-stream": { schema: z.string() } },
    },
    304: { description: "Not modified: the `If-None-Match` ETag still holds" },
    404: jsonError("NotFoundException: not the sender's domain or address"),
  },
});

const wkdPolicyRoute = createRoute({
  method: "get",
  path: "/.well-known/openpgpkey/policy",
  operationId: "wkdPolicy",
  security: PUBLIC,
  summary: "The Web Key Directory's policy file (empty: the defaults), on the sender's domain",
  responses: {
    200: { description: "The policy", content: { "text/plain": { schema: z.string() } } },
    404: jsonError("NotFoundException: not the sender's domain"),
  },
});

/**
 * `/announcements/key.asc` and the Web Key Directory's direct method for the sender address, so
 * that `gpg --locate-keys` and Thunderbird find the key by the address alone. Public: anyone may
 * fetch a public key.
 */
export function keyRoutes({ signer, senderAddress }: KeyRoutesDeps) {
  const app = new OpenAPIHono();
  // Worked out per request (a SHA-1), so that building the app reads no setting.
  const sender = () => wkdLocation(senderAddress);
  const onSenderDomain = (c: Context) => new URL(c.req.url).hostname.toLowerCase() === sender().domain;

  app.use("/announcements/key.asc", etag());
  app.use("/announcements/keys", etag(), announcementHeaders());
  app.use("/.well-known/openpgpkey/*", etag());
  app.openapi(keyRoute, async (c) => {
    const { armored } = await signer.published();
    return c.body(armored, 200, { "Content-Type": "application/pgp-keys", "Cache-Control": CACHE_CONTROL });
  });
  app.openapi(keysPageRoute, async (c) => {
    c.header("Cache-Control", CACHE_CONTROL);
    return c.html(keysPage(await signer.published()), 200);
  });
  app.openapi(wkdKeyRoute, async (c) => {
    if (!onSenderDomain(c) || c.req.valid("param").hash !== sender().hash) return c.json(NOT_FOUND, 404);
    const { binary } = await signer.published();
    return c.body(binary as Uint8Array<ArrayBuffer>, 200, {
      "Content-Type": "application/octet-stream",
      "Cache-Control": CACHE_CONTROL,
      "Access-Control-Allow-Origin": "*",
    });
  });
  app.openapi(wkdPolicyRoute, (c) => {
    if (!onSenderDomain(c)) return c.json(NOT_FOUND, 404);
    return c.text("", 200, { "Cache-Control": CACHE_CONTROL });
  });
  return app;
}
