import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { html } from "hono/html";
import { z } from "zod";
import { maskEmail } from "../address.ts";
import type { AuditLog } from "../audit/index.ts";
import { privacyPath } from "../email/links.ts";
import { logger } from "../log.ts";
import type { AddressItems } from "../privacy/address-items.ts";
import { eraseAddress } from "../privacy/erase.ts";
import { exportAddress, exportFile } from "../privacy/export.ts";
import { unsubscribe } from "../registration/opt-out.ts";
import { cutIp } from "../registration/source-ips.ts";
import type { RegistrationStore } from "../registration/store.ts";
import type { AddressHasher } from "../registration/suppression.ts";
import { clientIp } from "./client-ip.ts";
import { ApiError } from "./errors.ts";
import { linkPages, linkRoute, readForm, TokenParam, tokenClaims } from "./link-routes.ts";
import { htmlResponse, PUBLIC, schemaRef } from "./openapi.ts";
import { page } from "./pages.ts";
import { privacyPageBody } from "./privacy-page.ts";

export type PrivacyRoutesDeps = {
  registrations: RegistrationStore;
  addressItems: AddressItems;
  addressHashes: AddressHasher;
  /** The keys unsubscribe tokens are checked with: the current one, then the previous one. */
  tokenKeys: readonly string[];
  /** The owner's download and erase are recorded, as the board's erase is. */
  audit: Pick<AuditLog, "record">;
  now: () => Date;
};

const OneClick = z.object({
  "List-Unsubscribe": z.literal("One-Click", "The body must be List-Unsubscribe=One-Click"),
});
const EraseForm = z.object({ erase: z.literal("yes", "The body must be erase=yes") });

/**
 * A browser's word that another site's page sent this POST. `Sec-Fetch-Site`, which every current
 * browser sends, decides; without it, an `Origin` that is not this API's. The page's
 * `no-referrer` makes a browser send `Origin: null` with its forms, so `null` alone is not refused
 * when `Sec-Fetch-Site` says same-origin. Mail clients' and scanners' POSTs send neither.
 */
function refuseCrossSite(c: Context): void {
  const site = c.req.header("sec-fetch-site");
  const origin = c.req.header("origin");
  const cross =
    site !== undefined
      ? site !== "same-origin" && site !== "none"
      : origin !== undefined && origin !== new URL(c.req.url).origin;
  if (cross)
    throw new ApiError(403, "CrossSiteRequestException", "This page takes no requests that another site sent.");
}

/**
 * The owner's page of an address, reached with the unsubscribe link's token (the footer of every
 * broadcast, the unsubscribe page): `GET` shows what is kept and the download, and never changes
 * anything; the unsubscribe and the erase are POSTs from the page itself. A forged or expired token
 * gets a 400 page and changes nothing.
 */
export function privacyRoutes({
  registrations,
  addressItems,
  addressHashes,
  tokenKeys,
  audit,
  now,
}: PrivacyRoutesDeps) {
  const app = linkPages();
  const emailOf = async (c: Context) => (await tokenClaims(c, tokenKeys, "unsubscribe", now())).email;
  const exported = (email: string) => exportAddress({ registrations, addressItems }, email, now());
  // The owner's IP only as its network (source-ips.ts): the log outlives the 30 days an IP stays whole.
  const recordOwner = (c: Context, action: string, email: string) => {
    const ip = clientIp(c);
    return audit.record({ actor: { kind: "owner" }, action, object: maskEmail(email), ip: ip && cutIp(ip) });
  };

  app.openapi(
    linkRoute("get", "privacyPage", "The owner's page", "What is kept about the address; changes nothing."),
    async (c) => {
      const data = await exported(await emailOf(c));
      return page(c, 200, "Your data", privacyPageBody(data, privacyPath(c.req.param("token") ?? "")));
    },
  );

  const downloadRoute = createRoute({
    method: "get",
    path: "/{token}/download",
    operationId: "privacyDownload",
    security: PUBLIC,
    summary: "The owner's download",
    description:
      "Every stored item of the address, as JSON, as an attachment; changes nothing but the audit log, " +
      "which records the download.",
    request: { params: TokenParam },
    responses: {
      200: { description: "The items", content: { "application/json": { schema: { type: "object" as const } } } },
      400: htmlResponse("A page saying the link is not valid"),
    },
  });
  app.openapi(downloadRoute, async (c) => {
    const email = await emailOf(c);
    const { name, text } = exportFile(await exported(email));
    await recordOwner(c, "address.exported", email);
    c.header("Cache-Control", "no-store");
    c.header("Content-Disposition", `attachment; filename="${name}"`);
    return c.body(text, 200, { "Content-Type": "application/json; charset=utf-8" });
  });

  const unsubscribeForm = schemaRef(app, "PrivacyPageUnsubscribe", OneClick);
  const unsubscribeRoute = linkRoute(
    "post",
    "privacyUnsubscribe",
    "Unsubscribe from the owner's page",
    "Unsubscribes; again changes nothing. 403 for a request another site sent.",
    unsubscribeForm,
    "/{token}/unsubscribe",
  );
  app.openapi(unsubscribeRoute, async (c) => {
    const { email, broadcastId } = await tokenClaims(c, tokenKeys, "unsubscribe", now());
    refuseCrossSite(c);
    await readForm(c, OneClick);
    const { result, registration } = await unsubscribe(registrations, email, now(), broadcastId);
    logger.info("unsubscribe", { email: maskEmail(email), result, broadcastId, from: "privacy page" });
    const back = html`<p><a href="${privacyPath(c.req.param("token") ?? "")}">Back to your data</a></p>`;
    return page(
      c,
      200,
      "Unsubscribed",
      html`<p><strong>${registration?.address ?? email}</strong> will get no more
      OpenEMR announcements.</p>${back}`,
    );
  });

  const eraseForm = schemaRef(app, "PrivacyPageErase", EraseForm);
  const eraseRoute = linkRoute(
    "post",
    "privacyErase",
    "Erase from the owner's page",
    "Erases the address (see POST /api/registration/erase); again is no error. 403 for a request another site sent.",
    eraseForm,
    "/{token}/erase",
  );
  app.openapi(eraseRoute, async (c) => {
    const email = await emailOf(c);
    refuseCrossSite(c);
    await readForm(c, EraseForm);
    const outcome = await eraseAddress({ registrations, addressItems, addressHashes }, email, { by: "owner" }, now());
    await recordOwner(c, "address.erased", email);
    const left = outcome.left
      ? html`<p class="note">An announcement being sent right now still names it; that record expires with it.</p>`
      : "";
    return page(
      c,
      200,
      "Erased",
      html`<p>The address is erased: its registration, its history and the record of the
      emails sent to it are deleted.</p>${left}<p>Registering it again will wait until its owner confirms it.</p>`,
    );
  });
  return app;
}
