import { maskEmail, normalizeEmail } from "../address.ts";
import { logger } from "../log.ts";
import type { RegistrationStore } from "../registration/store.ts";
import type { AddressHasher } from "../registration/suppression.ts";
import type { AddressItems } from "./address-items.ts";

/**
 * Who asked for an erase: the address's owner through a link of its own mail, or the board on a
 * request that came by other means. `who` names the board's member once members exist; the audit
 * log records it (today the log line does).
 */
export type ErasureRequester = { by: "owner" } | { by: "board"; who: string; reason?: string };

export type EraseOutcome = {
  /** Whether a registration was there to erase: `false` for an unknown or already erased address. */
  erased: boolean;
  /** State items deleted: history entries, delivery records, SES message ids. */
  deleted: number;
  /** Delivery records of a broadcast sending to the address right now, left to expire with it. */
  left: number;
};

export type EraseDeps = {
  registrations: RegistrationStore;
  addressItems: AddressItems;
  addressHashes: AddressHasher;
};

// Concurrent changes of the address (an unsubscribe, an SES event) make the erase read it again.
const MAX_ATTEMPTS = 8;

/**
 * Erases an address: its registration (moving `count` and its status's count in the same
 * transaction), its history and its delivery records, keeping only its keyed hashes on the
 * suppression list, so that a later registration waits for its owner's confirmation. The
 * registration goes first: should the rest fail, erasing again finds and deletes it. Erasing an
 * erased or unknown address is no error: it puts the address on the list and deletes what is left.
 */
export async function eraseAddress(
  { registrations, addressItems, addressHashes }: EraseDeps,
  address: string,
  requester: ErasureRequester,
  now: Date,
): Promise<EraseOutcome> {
  const email = normalizeEmail(address);
  const at = now.toISOString();
  let erased: boolean | undefined;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS && erased === undefined; attempt++) {
    const registration = await registrations.get(email);
    const expected = registration && { status: registration.status, counted: registration.counted };
    if (await registrations.erase({ email, expected, hashes: addressHashes(email), at })) erased = Boolean(expected);
  }
  if (erased === undefined) throw new Error(`Erasing kept conflicting after ${MAX_ATTEMPTS} attempts`);
  const { deleted, left } = await addressItems.erase(email);
  logger.info("erase", { email: maskEmail(email), ...requester, erased, deleted, left });
  return { erased, deleted, left };
}
