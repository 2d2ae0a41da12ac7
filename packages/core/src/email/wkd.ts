import { createHash } from "node:crypto";

// z-base-32 (Zooko's alphabet), as the Web Key Directory draft spells the hash: 5 bits a letter.
const ALPHABET = "ybndrfg8ejkmcpqxot1uwisza345h769";

function zBase32(bytes: Uint8Array): string {
  let bits = "";
  for (const byte of bytes) bits += byte.toString(2).padStart(8, "0");
  return (bits.match(/.{1,5}/g) ?? []).map((chunk) => ALPHABET[Number.parseInt(chunk.padEnd(5, "0"), 2)]).join("");
}

/**
 * Where the Web Key Directory's direct method looks for `address`'s key (draft-koch-openpgp-webkey
 * -service §3.1): on the address's domain, the z-base-32 of the SHA-1 of its lower-cased local part.
 * @example
 * wkdLocation("security@open-emr.org") // { domain: "open-emr.org", hash: "...", localPart: "security" }
 */
export function wkdLocation(address: string): { domain: string; localPart: string; hash: string } {
  const at = address.lastIndexOf("@");
  const localPart = address.slice(0, at);
  const hash = zBase32(createHash("sha1").update(localPart.toLowerCase(), "utf8").digest());
  return { domain: address.slice(at + 1).toLowerCase(), localPart, hash };
}
