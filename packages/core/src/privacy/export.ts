import { normalizeEmail } from "../address.ts";
import type { Registration, RegistrationStore } from "../registration/store.ts";
import { deliveryKey } from "../state/keys.ts";
import type { AddressItems, BroadcastSummary, FoundItems } from "./address-items.ts";

/** Everything kept about one address, as its owner downloads it and their page shows it. */
export type AddressExport = {
  address: string;
  exportedAt: string;
  /** The item of the Registrations table, as stored; absent when the address is not registered. */
  registration: Registration | undefined;
  /** The State table's items of the address, by kind (state/keys.ts' ADDRESS_ITEM_KINDS), as stored. */
  items: FoundItems;
  /** The broadcasts whose emails went (or are going) to the address: their titles and dates. */
  broadcasts: BroadcastSummary[];
};

/** Every stored item of an address, and nothing of another's. */
export async function exportAddress(
  { registrations, addressItems }: { registrations: RegistrationStore; addressItems: AddressItems },
  address: string,
  now: Date,
): Promise<AddressExport> {
  const email = normalizeEmail(address);
  const [registration, items, broadcasts] = await Promise.all([
    registrations.get(email),
    addressItems.find(email),
    addressItems.broadcasts(),
  ]);
  const mailed = new Set(items.delivery.map((item) => item.pk));
  return {
    address: registration?.address ?? email,
    exportedAt: now.toISOString(),
    registration,
    items,
    broadcasts: broadcasts.filter(({ broadcastId }) => mailed.has(deliveryKey(broadcastId, email).pk)),
  };
}

/** The export as a JSON file's name and text: the download the owner's page offers. */
export function exportFile(data: AddressExport): { name: string; text: string } {
  return { name: `openemr-registration-${data.exportedAt.slice(0, 10)}.json`, text: JSON.stringify(data, null, 2) };
}
