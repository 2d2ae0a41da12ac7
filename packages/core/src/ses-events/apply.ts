import { normalizeEmail } from "../address.ts";
import type { SesEvent } from "./parse.ts";
import type { DeliveryState, HistoryEntry, SesEffect, SesEventStore } from "./store.ts";

/** Transient bounces in a row, with no delivery between, after which an address counts as bounced. */
export const TRANSIENT_BOUNCE_LIMIT = 3;
// Transient by SES's reckoning, but "no route to the domain" does not get better (listmonk's rule).
const HARD_STATUSES = new Set(["5.4.4"]);
// Concurrent events for one address retry on a fresh read; more conflicts than this are a fault.
const MAX_ATTEMPTS = 5;

export type SesEventOutcome = {
  result: "applied" | "duplicate";
  effect: SesEffect;
  /** A hard bounce of an email a broadcast sent: that broadcast, whose `hardBounces` count it (once). */
  hardBounceOf?: string;
};

/** A permanent bounce, or one with status 5.4.4: the address will not take mail. */
export function isHardBounce(event: SesEvent): boolean {
  return event.type === "Bounce" && (event.bounceType === "Permanent" || HARD_STATUSES.has(event.status?.trim() ?? ""));
}

/**
 * Applies the policy to one state: what the event does to the address, and the state after it.
 * Pure, so the rules read in one place:
 * - a permanent bounce, or any bounce with status 5.4.4, makes an active address `bounced`;
 * - a transient (or undetermined) bounce is counted, and the third in a row makes it `bounced`;
 *   a bounce older than the last delivery is stale and not counted;
 * - a complaint makes an active or bounced address `complained`: an explicit opt-out;
 * - a delivery clears the count, unless a counted bounce happened after it (out-of-order SNS);
 * - rejects and delays change nothing.
 */
export function decideSesEffect(state: DeliveryState, event: SesEvent): { effect: SesEffect; next: DeliveryState } {
  const unchanged = { effect: "none" as const, next: state };
  switch (event.type) {
    case "Bounce": {
      if (isHardBounce(event)) {
        return state.status === "active" ? { effect: "bounced", next: { ...state, status: "bounced" } } : unchanged;
      }
      if (state.lastDeliveryAt && event.occurredAt <= state.lastDeliveryAt) return unchanged;
      const transientBounces = state.transientBounces + 1;
      const next = {
        ...state,
        transientBounces,
        lastTransientBounceAt: latest(state.lastTransientBounceAt, event.occurredAt),
      };
      if (state.status === "active" && transientBounces >= TRANSIENT_BOUNCE_LIMIT) {
        return { effect: "bounced", next: { ...next, status: "bounced" } };
      }
      return { effect: "counted", next };
    }
    case "Complaint":
      return state.status === "active" || state.status === "bounced"
        ? { effect: "complained", next: { ...state, status: "complained" } }
        : unchanged;
    case "Delivery": {
      const next = { ...state, lastDeliveryAt: latest(state.lastDeliveryAt, event.occurredAt) };
      const clears =
        state.transientBounces > 0 && !(state.lastTransientBounceAt && state.lastTransientBounceAt > event.occurredAt);
      return clears ? { effect: "reset", next: { ...next, transientBounces: 0 } } : { effect: "none", next };
    }
    case "Reject":
    case "DeliveryDelay":
      return unchanged;
  }
}

/**
 * Records one SES event in the history of its address and applies it to the registration, in one
 * transaction: a duplicate (SNS delivers at least once) changes nothing, and a crash leaves nothing
 * half done. A delivery also marks the broadcast's delivery record; a hard bounce or a complaint of
 * a broadcast's email is counted on that broadcast, whatever it does to the address, as SES counts
 * it in the account's bounce and complaint rates. An address nobody registered gets its record and
 * no more. Store failures throw, so that the invocation is retried.
 */
export async function applySesEvent(store: SesEventStore, event: SesEvent, now: Date): Promise<SesEventOutcome> {
  for (let attempt = 1; ; attempt++) {
    const state = await store.deliveryState(event.email);
    const decision = state ? decideSesEffect(state, event) : undefined;
    const effect = decision?.effect ?? "unregistered";
    const counted = isHardBounce(event) ? "hardBounces" : event.type === "Complaint" ? "complaints" : undefined;
    const sent = event.type === "Delivery" || counted ? await store.sentMail(event.sesMessageId) : undefined;
    const ours = sent?.email === event.email ? sent : undefined;
    const hardBounceOf = ours && counted === "hardBounces" ? ours.broadcastId : undefined;
    const result = await store.record({
      entry: historyEntry(event, effect, now),
      change: state && decision && !sameState(state, decision.next) ? { from: state, to: decision.next } : undefined,
      delivered: ours && event.type === "Delivery" ? { ...ours, at: event.occurredAt } : undefined,
      countedFor: ours && counted ? { broadcastId: ours.broadcastId, counted } : undefined,
    });
    if (result === "recorded") return { result: "applied", effect, hardBounceOf };
    if (result === "duplicate") return { result: "duplicate", effect, hardBounceOf };
    if (attempt === MAX_ATTEMPTS) throw new Error(`SES event ${event.type} kept conflicting after ${attempt} attempts`);
  }
}

/** Every SES event recorded for an address, in any letter case, oldest first. */
export function addressHistory(store: SesEventStore, email: string): Promise<HistoryEntry[]> {
  return store.history(normalizeEmail(email));
}

function historyEntry(event: SesEvent, effect: SesEffect, now: Date): HistoryEntry {
  return {
    email: event.email,
    type: event.type,
    occurredAt: event.occurredAt,
    sesMessageId: event.sesMessageId,
    broadcastId: event.broadcastId,
    diagnostic: event.diagnostic,
    bounceType: event.type === "Bounce" ? event.bounceType : undefined,
    bounceSubType: event.type === "Bounce" ? event.bounceSubType : undefined,
    smtpStatus: event.type === "Bounce" || event.type === "DeliveryDelay" ? event.status : undefined,
    effect,
    recordedAt: now.toISOString(),
  };
}

function latest(a: string | undefined, b: string): string {
  return a && a > b ? a : b;
}

function sameState(a: DeliveryState, b: DeliveryState): boolean {
  return (
    a.status === b.status &&
    a.transientBounces === b.transientBounces &&
    a.lastDeliveryAt === b.lastDeliveryAt &&
    a.lastTransientBounceAt === b.lastTransientBounceAt
  );
}
