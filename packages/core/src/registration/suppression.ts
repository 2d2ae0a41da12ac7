import type { TransactItems } from "../aws/dynamo.ts";
import { suppressionKey } from "../state/keys.ts";

// The suppression list of erased addresses, in the State table: one item per keyed hash of a
// normalized address (privacy/address-hash.ts), never the address. Written in the erase's
// transaction, checked in a new registration's, so that neither can slip between the other's
// read and write: a registration of an erased address waits for its owner's confirmation.
type TransactItem = TransactItems[number];

/** Hashes of a normalized address under each key in use (the current one first); one per key. */
export type AddressHasher = (email: string) => string[];

/** The transaction item that puts an address's hash on the list; putting it again changes nothing. */
export const suppressionPut = (stateTable: string, hash: string, at: string): TransactItem => ({
  Put: { TableName: stateTable, Item: { ...suppressionKey(hash), erasedAt: at } },
});

/** The transaction item that holds a registration to its address not being on the list. */
export const notSuppressed = (stateTable: string, hash: string): TransactItem => ({
  ConditionCheck: {
    TableName: stateTable,
    Key: suppressionKey(hash),
    ConditionExpression: "attribute_not_exists(pk)",
  },
});
