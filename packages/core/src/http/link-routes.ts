import { $, createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { html } from "hono/html";
import { maskEmail } from "../address.ts";
import { privacyPath } from "../email/links.ts";
import { logger } from "../log.ts";
import { confirm, unsubscribe } from "../registration/opt-out.ts";
import type { RegistrationStore } from "../registration/store.ts";
import { type TokenPurpose, verifyToken } from "../tokens/index.ts";
import { limitBody } from "./body.ts";
import { ApiError, errorResponse } from "./errors.ts";
import { FORM, htmlResponse, MULTIPART, PUBLIC, schemaRef } from "./openapi.ts";
import { page, pageHeaders, postButton } from "./pages.ts";
import { type AllowedMethods, unmatched } from "./unmatched.ts";

export type LinkRoutesDeps = {
  registrations: RegistrationStore;
  /** The keys unsubscribe and confirm tokens are checked with: the current one, then the previous one. */
  tokenKeys: readonly string[];
  /** What a wrong method is told it may use instead. */
  allowed: AllowedMethods;
  now: () => Date;
};

// RFC 8058: a mailbox provider's one-click POST carries exactly this field; the page's button too.
const OneClick = z.object({
  "List-Unsubscribe": z.literal("One-Click", "The body must be List-Unsubscribe=One-Click"),
});
const Confirmation = z.object({ confirm: z.literal("yes", "The body must be confirm=yes") });
export const MAX_FORM_BYTES = 4 * 1024;

/** The token's claims, or a 400 page: tampered, expired, for another purpose, or not a token. */
export async function tokenClaims(c: Context, keys: readonly string[], purpose: TokenPurpose, now: Date) {
  const claims = await verifyToken(keys, c.req.param("token") ?? "", purpose, now);
  if (!claims)
    throw new ApiError(400, "InvalidTokenException", "This link is not valid. It may be incomplete or have expired.");
  return claims;
}

/** The token's address, or a 400 page. */
const tokenEmail = async (c: Context, keys: readonly string[], purpose: TokenPurpose, now: Date) =>
  (await tokenClaims(c, keys, purpose, now)).email;

/** A form post as RFC 8058 allows it (urlencoded or multipart), checked against `schema`. */
export async function readForm(c: Context, schema: z.ZodType): Promise<void> {
  let body: unknown;
  try {
    body = await c.req.parseBody();
  } catch {
    throw new ApiError(400, "MalformedRequestException", "The body is not a readable form");
  }
  const result = schema.safeParse(body);
  if (!result.success)
    throw new ApiError(400, "InvalidRequestException", result.error.issues[0]?.message ?? "Invalid form");
}

export const TokenParam = z.object({ token: z.string().meta({ param: { name: "token", in: "path" } }) });

/** A link page's route: HTML answers only, a 400 page for a bad token or body. */
export function linkRoute(
  method: "get" | "post",
  operationId: string,
  summary: string,
  description: string,
  form?: { $ref: string },
  path = "/{token}",
) {
  return createRoute({
    method,
    path,
    operationId,
    security: PUBLIC,
    summary,
    description,
    middleware: method === "post" ? [limitBody(MAX_FORM_BYTES)] : [],
    request: {
      params: TokenParam,
      ...(form && { body: { required: true, content: { [FORM]: { schema: form }, [MULTIPART]: { schema: form } } } }),
    },
    responses: {
      200: htmlResponse("The page"),
      400: htmlResponse("A page saying the link is not valid (tampered, expired, stale) or the body is wrong"),
      ...(method === "post" && {
        403: htmlResponse("Another site sent it: the owner's page's forms (one-click unsubscribes come from mail)"),
        413: htmlResponse(`A body over ${MAX_FORM_BYTES} bytes`),
      }),
    },
  });
}

/** Pages for links in mail: every answer is HTML, errors included, with the strict page headers. */
export function linkPages() {
  return $(new OpenAPIHono().use(pageHeaders())).onError((error, c) => {
    const { status, body, headers } = errorResponse(error);
    return page(
      c,
      status,
      status >= 500 ? "Something went wrong" : "This did not work",
      html`<p>${body.message}</p>`,
      headers,
    );
  });
}

/**
 * `GET` shows the address and a button; only the `POST` (the button, or a mailbox provider's
 * one-click request) unsubscribes, because link scanners follow every GET in mail.
 */
export function unsubscribeRoutes({ registrations, tokenKeys, allowed, now }: LinkRoutesDeps) {
  const app = linkPages();
  const pageRoute = linkRoute(
    "get",
    "unsubscribePage",
    "Unsubscribe page",
    "Shows the address and an Unsubscribe button; never unsubscribes.",
  );
  app.openapi(pageRoute, async (c) => {
    const email = await tokenEmail(c, tokenKeys, "unsubscribe", now());
    const registration = await registrations.get(email);
    const address = registration?.address ?? email;
    const link = html`<a href="${privacyPath(c.req.param("token") ?? "")}">What is kept about this address</a>`;
    const yours = html`<p>${link}: see it, download it or erase it.</p>`;
    if (registration?.status !== "active") {
      return page(
        c,
        200,
        "Unsubscribe",
        html`<p><strong>${address}</strong> gets no OpenEMR announcements.</p>${yours}`,
      );
    }
    const button = html`${postButton("Unsubscribe", "List-Unsubscribe", "One-Click")}${yours}`;
    return page(
      c,
      200,
      "Unsubscribe",
      html`<p>Stop sending OpenEMR security and release announcements to <strong>${address}</strong>?</p>${button}`,
    );
  });
  const oneClick = schemaRef(app, "OneClickUnsubscribe", OneClick);
  const unsubscribeRoute = linkRoute(
    "post",
    "unsubscribe",
    "Unsubscribe (RFC 8058 one-click)",
    "Unsubscribes at once; again changes nothing.",
    oneClick,
  );
  app.openapi(unsubscribeRoute, async (c) => {
    const { email, broadcastId } = await tokenClaims(c, tokenKeys, "unsubscribe", now());
    await readForm(c, OneClick);
    const { result, registration } = await unsubscribe(registrations, email, now(), broadcastId);
    logger.info("unsubscribe", { email: maskEmail(email), result, broadcastId });
    const address = registration?.address ?? email;
    return page(
      c,
      200,
      "Unsubscribed",
      html`<p><strong>${address}</strong> will get no more OpenEMR announcements.</p>`,
    );
  });
  // Last: Hono runs the handlers of a path in the order they were added.
  return app.all("*", unmatched(allowed));
}

/** `GET` shows the address and a button; the `POST` confirms a re-registered address. */
export function confirmRoutes({ registrations, tokenKeys, allowed, now }: LinkRoutesDeps) {
  const app = linkPages();
  app.openapi(
    linkRoute("get", "confirmationPage", "Confirmation page", "Shows the address and a Confirm button"),
    async (c) => {
      const email = await tokenEmail(c, tokenKeys, "confirm", now());
      const registration = await registrations.get(email);
      if (registration?.status === "active") {
        return page(
          c,
          200,
          "Confirmed",
          html`<p><strong>${registration.address}</strong> gets OpenEMR announcements.</p>`,
        );
      }
      const address = registration?.address ?? email;
      const button = postButton("Confirm", "confirm", "yes");
      return page(
        c,
        200,
        "Confirm your address",
        html`<p>Send OpenEMR security and release announcements to <strong>${address}</strong> again?</p>${button}`,
      );
    },
  );
  const confirmation = schemaRef(app, "Confirmation", Confirmation);
  const confirmRoute = linkRoute(
    "post",
    "confirmAddress",
    "Confirm a re-registered address",
    "Makes the address active again; again answers 200.",
    confirmation,
  );
  app.openapi(confirmRoute, async (c) => {
    const email = await tokenEmail(c, tokenKeys, "confirm", now());
    await readForm(c, Confirmation);
    const { result, registration } = await confirm(registrations, email, now());
    logger.info("confirm", { email: maskEmail(email), result });
    if (result === "unregistered") throw new ApiError(400, "NotRegisteredException", "This address is not registered.");
    if (result === "stale") {
      throw new ApiError(
        400,
        "StaleLinkException",
        "This link was sent before the address last changed. Register it again to get a new link.",
      );
    }
    return page(
      c,
      200,
      "Confirmed",
      html`<p><strong>${registration!.address}</strong> gets OpenEMR announcements again.</p>`,
    );
  });
  // Last: Hono runs the handlers of a path in the order they were added.
  return app.all("*", unmatched(allowed));
}
