import { normalizeEmail } from "../address.ts";
import type { ConfirmationSender } from "./confirmation-sender.ts";
import {
  AlreadyRegisteredError,
  ConfirmationNotSentError,
  ErasedAddressError,
  RegistrationBusyError,
} from "./errors.ts";
import type { RegistrationRequest } from "./request.ts";
import type { Registration, RegistrationStore } from "./store.ts";

export type RegisterContext = {
  /** Kept with the registration so that abuse can be traced and cleaned up. */
  sourceIp: string | undefined;
  now: Date;
  /** Asks the owner of an opted-out address to confirm its re-registration. */
  confirmations: ConfirmationSender;
};

export type RegisterOutcome = {
  productId: string;
  pending?: { confirmationSent: boolean };
  reported?: { version: string; previousVersion: string | undefined };
};

/** At most one confirmation email per address in this time, however often it is registered. */
export const CONFIRMATION_INTERVAL_MS = 24 * 60 * 60 * 1000;
// Concurrent registrations of one opted-out address retry on a fresh read.
const MAX_ATTEMPTS = 5;

/**
 * Adds an address to the announcement list under a new product id. An address that opted out
 * (`unsubscribed`, `bounced`, `complained`) gets the new product id too, but stays out of
 * broadcasts until its owner follows the link of a confirmation email, sent at most once a day,
 * so that a stranger cannot undo an opt-out.
 *
 * An active address registered again with a `version` is an installation reporting an upgrade
 * (OpenEMR asks after every one, and reads anything but 201 as a server error): it keeps its
 * product id, which is answered, and the version is recorded as its latest. Without a version
 * (OpenEMR 5, the seed's clients) it is a duplicate, as it always was.
 * @returns `pending` for a re-registration of an opted-out address, with whether this call sent
 * the email; `reported` for an upgrade report.
 * @throws AlreadyRegisteredError when the address, in any letter case, is on the list and active,
 * and the request carries no version.
 * @throws ConfirmationNotSentError when SES did not take the confirmation email.
 */
export async function register(
  store: RegistrationStore,
  request: RegistrationRequest,
  { sourceIp, now, confirmations }: RegisterContext,
): Promise<RegisterOutcome> {
  const registration = newRegistration(request, { sourceIp, now });
  try {
    await store.add(registration);
    return { productId: registration.productId };
  } catch (error) {
    if (error instanceof ErasedAddressError) {
      const pending = await addErased(store, registration, confirmations, now);
      if (pending) return pending;
    } else if (!(error instanceof AlreadyRegisteredError)) throw error;
  }
  return reregister(store, registration, confirmations, now);
}

/**
 * An erased address registered again is added opted out (`unsubscribed`), with a confirmation
 * email to its owner, as an opted-out address's re-registration is: until they follow its link,
 * no broadcast reaches it. `undefined` when another registration added it first.
 */
async function addErased(
  store: RegistrationStore,
  registration: Registration,
  confirmations: ConfirmationSender,
  now: Date,
): Promise<RegisterOutcome | undefined> {
  const at = registration.registeredAt;
  const { email, address, productId } = registration;
  try {
    await store.add({ ...registration, status: "unsubscribed", confirmationSentAt: at });
  } catch (error) {
    if (error instanceof AlreadyRegisteredError) return undefined;
    throw error;
  }
  try {
    await confirmations.send({ email, address }, now);
  } catch (error) {
    await store.releaseConfirmation(email, at);
    throw new ConfirmationNotSentError({ cause: error });
  }
  return { productId, pending: { confirmationSent: true } };
}

/** The item a new address is stored as: a fresh product id, active. The bench seeds with it too. */
export function newRegistration(
  request: RegistrationRequest,
  { sourceIp, now }: Pick<RegisterContext, "sourceIp" | "now">,
): Registration {
  return {
    email: normalizeEmail(request.email),
    address: request.email,
    productId: crypto.randomUUID(),
    version: request.version || undefined,
    distribution: request.distribution || undefined,
    registeredAt: now.toISOString(),
    status: "active",
    sourceIp,
  };
}

async function reregister(
  store: RegistrationStore,
  registration: Registration,
  confirmations: ConfirmationSender,
  now: Date,
): Promise<RegisterOutcome> {
  const { email, productId, version, distribution, sourceIp, registeredAt: at } = registration;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const existing = await store.get(email);
    if (!existing || (existing.status === "active" && !version)) throw new AlreadyRegisteredError();
    if (existing.status === "active") {
      const previousVersion = existing.latestVersion ?? existing.version;
      const reported = await store.report({
        email,
        set: {
          latestVersion: version!,
          latestDistribution: distribution,
          latestReportedAt: at,
          latestSourceIp: sourceIp,
        },
        entry: {
          email,
          type: "Reported",
          at,
          from: "active",
          to: "active",
          sourceIp,
          productId: existing.productId,
          version,
          previousVersion,
        },
      });
      if (reported) return { productId: existing.productId, reported: { version: version!, previousVersion } };
      continue;
    }
    const confirmationSentAt = needsConfirmation(existing, now) ? at : undefined;
    const recorded = await store.reregister({
      email,
      expected: { status: existing.status, confirmationSentAt: existing.confirmationSentAt },
      set: { productId, version, distribution, sourceIp, reregisteredAt: at, confirmationSentAt },
      entry: {
        email,
        type: "Reregistered",
        at,
        from: existing.status,
        to: existing.status,
        sourceIp,
        productId,
        previousSourceIp: existing.sourceIp,
        previousProductId: existing.productId,
        confirmationSent: confirmationSentAt !== undefined,
      },
    });
    if (!recorded) continue;
    if (confirmationSentAt) {
      try {
        await confirmations.send({ email, address: existing.address }, now);
      } catch (error) {
        await store.releaseConfirmation(email, confirmationSentAt);
        throw new ConfirmationNotSentError({ cause: error });
      }
    }
    return { productId, pending: { confirmationSent: confirmationSentAt !== undefined } };
  }
  throw new RegistrationBusyError(MAX_ATTEMPTS);
}

/**
 * A confirmation email is due when none was sent in the last day, or when the status changed
 * since the last one (its link is void then, see `confirm`): only the owner or SES change it.
 */
function needsConfirmation({ confirmationSentAt, statusChangedAt }: Registration, now: Date): boolean {
  if (!confirmationSentAt) return true;
  if (statusChangedAt && statusChangedAt > confirmationSentAt) return true;
  return now.getTime() - Date.parse(confirmationSentAt) >= CONFIRMATION_INTERVAL_MS;
}
