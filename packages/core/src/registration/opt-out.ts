import type { Registration, RegistrationStatus, RegistrationStore } from "./store.ts";

// Concurrent changes of one address (an SES event, a second click) retry on a fresh read.
const MAX_ATTEMPTS = 5;

/** What unsubscribing did: `unchanged` for an address that was opted out already (or complained). */
export type UnsubscribeOutcome = { result: "unsubscribed" | "unchanged" | "unregistered"; registration?: Registration };

/** What confirming did; `stale` when the address changed status after the link was sent. */
export type ConfirmOutcome = {
  result: "confirmed" | "unchanged" | "stale" | "unregistered";
  registration?: Registration;
};

/**
 * Takes an address off the announcement list at its owner's request (the unsubscribe link):
 * `active` and `bounced` become `unsubscribed`, with the time; a `complained` address stays so,
 * being opted out more firmly. Idempotent. The registration count stays; `active` goes down.
 * @param email the normalized address, as an unsubscribe token carries it.
 * @param broadcastId the broadcast whose email's link it was, as the token carries it: it counts
 * the unsubscribe if the address was active (a bounced one no longer got its mail).
 */
export async function unsubscribe(
  store: RegistrationStore,
  email: string,
  now: Date,
  broadcastId?: string,
): Promise<UnsubscribeOutcome> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const registration = await store.get(email);
    if (!registration) return { result: "unregistered" };
    if (registration.status === "unsubscribed" || registration.status === "complained")
      return { result: "unchanged", registration };
    const at = now.toISOString();
    const changed = await store.changeStatus({
      email,
      from: registration.status,
      counted: registration.counted === true,
      to: "unsubscribed",
      at,
      set: { unsubscribedAt: at },
      entry: { email, type: "Unsubscribed", at, from: registration.status, to: "unsubscribed", broadcastId },
      unsubscribedBy: registration.status === "active" ? broadcastId : undefined,
    });
    if (changed)
      return { result: "unsubscribed", registration: { ...registration, status: "unsubscribed", unsubscribedAt: at } };
  }
  throw new Error(`Unsubscribing kept conflicting after ${MAX_ATTEMPTS} attempts`);
}

/**
 * Puts a re-registered address back on the list when its owner follows the confirmation link:
 * it becomes `active` again (its transient bounces forgotten: the owner just read mail there).
 * Idempotent. A link sent before the address last changed status is `stale`, so that an old link
 * cannot undo a later unsubscribe.
 * @param email the normalized address, as a confirm token carries it.
 */
export async function confirm(store: RegistrationStore, email: string, now: Date): Promise<ConfirmOutcome> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const registration = await store.get(email);
    if (!registration) return { result: "unregistered" };
    if (registration.status === "active") return { result: "unchanged", registration };
    const { confirmationSentAt, statusChangedAt } = registration;
    if (!confirmationSentAt || (statusChangedAt && statusChangedAt > confirmationSentAt))
      return { result: "stale", registration };
    const at = now.toISOString();
    const from: RegistrationStatus = registration.status;
    const changed = await store.changeStatus({
      email,
      from,
      counted: registration.counted === true,
      to: "active",
      at,
      set: { confirmedAt: at, transientBounces: 0 },
      entry: { email, type: "Confirmed", at, from, to: "active" },
    });
    if (changed) return { result: "confirmed", registration: { ...registration, status: "active", confirmedAt: at } };
  }
  throw new Error(`Confirming kept conflicting after ${MAX_ATTEMPTS} attempts`);
}
