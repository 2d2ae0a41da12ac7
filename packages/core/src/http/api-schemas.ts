import { z } from "zod";
import { Broadcast } from "../broadcast/store.ts";
import { BroadcastMessage } from "../email/message.ts";
import { BelowVersion, Audience as MiniAudience } from "../registration/audience.ts";
import { classicOf } from "../zod-classic.ts";

/**
 * What the API answers, as zod schemas: the OpenAPI document is generated from them, and the
 * board's CLI parses the server's answers with them. This module imports only zod, the message
 * schema, the broadcast's and the audience's, so a client can load it without the AWS SDK.
 * @module
 */

// The audience and the broadcast are zod/mini schemas, which the handlers' cold starts parse with:
// the generator describes their classic twins.
const Audience = classicOf(MiniAudience);

/** Every JSON error: a stable code, a sentence for people, and the fields that were wrong. */
export const ErrorBody = z
  .object({
    error: z.string().meta({ example: "InvalidSecretPinException" }),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: "ErrorBody" });

/** What API Gateway answers by itself when a route's throttle is spent, exactly (`gateway-throttle.ts`). */
export const GatewayThrottled = z
  .strictObject({ message: z.literal("Too Many Requests") })
  .meta({ id: "GatewayThrottled" });

export const Registered = z.object({ productId: z.uuid() });

/** `GET /api/registration/versions`: active registrations by latest reported version and by distribution. */
export const ActiveVersionsBody = z.object({
  active: z.number().int(),
  byVersion: z.record(z.string(), z.number().int()),
  byDistribution: z.record(z.string(), z.number().int()),
});

/** What OpenEMR needs to clear its usage records: a 201 whose body decodes to non-empty JSON. */
export const UsageAccepted = z.object({ status: z.literal("success") });

const Tallies = z.array(z.object({ name: z.string(), sites: z.number().int() }));

/** `GET /api/usage/summary`. */
export const UsageSummaryBody = z.object({
  since: z.string(),
  sites: z.number().int(),
  byVersion: Tallies,
  byCountry: Tallies,
  byDistribution: Tallies,
  byPhp: Tallies,
  modules: Tallies,
  encounterForms: Tallies,
  api: z.array(z.object({ name: z.string(), calls: z.number(), sites: z.number().int() })),
});

/** `GET /` and `GET /api/health`, as the 2016 server answered `GET /`. */
export const Up = z.object({ status: z.literal("up") });

export const RegistrationCounts = z.object({
  count: z.number().int().meta({ description: "Every address ever registered" }),
  active: z.number().int().meta({ description: "Addresses a broadcast would mail now" }),
});

/** What erasing an address did (POST /api/registration/erase). */
export const Erased = z.object({
  erased: z.boolean().meta({ description: "Whether a registration was there; false for an unknown or erased one" }),
  deleted: z.number().int().meta({ description: "History entries, delivery records and SES message ids deleted" }),
  left: z.number().int().meta({ description: "Delivery records of a broadcast sending to it now, left to expire" }),
});

/** The PIN in the body: for callers that cannot set `X-Secret-Pin`, which needs none here. */
const SecretPinField = z.string().optional().meta({ description: "The board's PIN, unless `X-Secret-Pin` has it" });

/** A broadcast as the board sends it: the message, the PIN that lets the board in, and who it is for. */
/** Whether a broadcast goes into the public archive: a form's field is text, JSON's a boolean. */
export const ArchiveField = z
  .union([z.boolean(), z.stringbool()])
  .optional()
  .meta({ description: "`false`: never in the public archive or its feeds (default true)" });

export const BroadcastRequest = BroadcastMessage.extend({
  secretPin: SecretPinField,
  audience: Audience.optional().meta({ description: "Absent: every active address" }),
  archive: ArchiveField,
});

const DistributionField = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .meta({ description: "A distribution, repeated or comma-separated for several; `unknown` for none sent" });
/** As a form or a query string gives it: empty is no criterion, as forms send an empty field. */
const BelowVersionField = z
  .union([z.literal(""), classicOf(BelowVersion)])
  .optional()
  .meta({ description: "An OpenEMR version, such as 7.0.3 or 7.0.3.4; empty, no criterion" });

/** The same as a form posts it, its audience in flat fields (JSON may use them too, instead of `audience`). */
export const BroadcastForm = BroadcastMessage.extend({
  secretPin: SecretPinField,
  archive: ArchiveField,
  belowVersion: BelowVersionField,
  distribution: DistributionField,
});

/** `GET /api/registration/audience`'s query: the audience as a form gives it. */
export const AudienceQuery = z.object({
  belowVersion: BelowVersionField.meta({ param: { name: "belowVersion", in: "query" } }),
  distribution: DistributionField.meta({ param: { name: "distribution", in: "query" } }),
});

/** `GET /api/registration/audience`: how many active addresses a broadcast to this audience would reach. */
export const AudienceReachBody = z.object({
  audience: Audience.optional().meta({ description: "As understood; absent, everyone" }),
  active: z.number().int().meta({ description: "Every active address" }),
  reached: z.number().int().meta({ description: "The active addresses in the audience" }),
  unknownVersion: z.number().int().meta({
    description: "Active addresses among the distributions with no known version: a `belowVersion` leaves them out",
  }),
});

export const BroadcastStarted = z.object({ status: z.literal("sent"), broadcastId: z.string() });

/** The PIN in the body, for callers that cannot set `X-Secret-Pin`. */
export const PinBody = z.object({ secretPin: z.string() });

/** A broadcast's progress, as `GET /api/registration/broadcast/{id}` and a resume answer it. */
export const BroadcastProgress = classicOf(Broadcast).meta({ id: "BroadcastProgress" });
export type BroadcastProgress = z.infer<typeof BroadcastProgress>;
