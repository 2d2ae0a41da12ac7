// The few pieces of the OpenPGP wire format (RFC 9580, which RFC 4880's v4 packets still follow)
// that the sender's own Ed25519 signer (ed25519-signer.ts) reads and writes: ASCII armor, packet
// framing and multiprecision integers. Enough for one key and one signature, so that the sender's
// cold start need not load OpenPGP.js (issue #26).

/** One packet: its tag (RFC 9580 §5) and its body, without the header. */
export type Packet = { tag: number; body: Uint8Array };

/**
 * CRC-24 of the armored data (RFC 9580 §6.1). RFC 9580 makes the checksum optional, but GnuPG 2.2
 * misreads some armor without it (dev.gnupg.org/T7071), so the signer always writes one.
 */
export function crc24(bytes: Uint8Array): number {
  let crc = 0xb704ce;
  for (const byte of bytes) {
    crc ^= byte << 16;
    for (let bit = 0; bit < 8; bit++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
  }
  return crc & 0xffffff;
}

/**
 * The bytes of the first `-----BEGIN <label>-----` block of `text` (RFC 9580 §6.2), or undefined
 * when there is none or it is not well formed (then OpenPGP.js reads it and says what is wrong).
 * @throws Error when the block's checksum does not match its data: a key damaged in transit.
 */
export function dearmor(text: string, label: string): Uint8Array | undefined {
  const block = new RegExp(`-----BEGIN ${label}-----\\r?\\n([\\s\\S]*?)-----END ${label}-----`).exec(text)?.[1];
  // The armor headers (Version:, Comment:, ...) end at the first empty line, which is required.
  const lines = block?.split(/\r?\n/).map((line) => line.trim());
  const blank = lines?.indexOf("") ?? -1;
  if (!lines || blank < 0) return undefined;
  const data = lines.slice(blank + 1).filter(Boolean);
  const checksum = data.at(-1)?.match(/^=([A-Za-z0-9+/]{4})$/)?.[1];
  if (checksum) data.pop();
  const base64 = data.join("");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) return undefined;
  const bytes = new Uint8Array(Buffer.from(base64, "base64"));
  if (checksum && Buffer.from(checksum, "base64").readUIntBE(0, 3) !== crc24(bytes))
    throw new Error(`The armored ${label} is damaged: its checksum does not match`);
  return bytes;
}

/** `bytes` as an armored `label` block (RFC 9580 §6.2): 64-character lines and a checksum. */
export function armor(label: string, bytes: Uint8Array): string {
  const base64 = Buffer.from(bytes).toString("base64");
  const crc = crc24(bytes);
  const checksum = Buffer.from([crc >> 16, (crc >> 8) & 0xff, crc & 0xff]);
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n\n${lines.join("\n")}\n=${checksum.toString("base64")}\n-----END ${label}-----\n`;
}

/**
 * The packets of `bytes`, in either header format (RFC 9580 §4.2.1 OpenPGP, §4.2.2 legacy), or
 * undefined at a partial body length (§4.2.1.4), which only streamed messages use, never a key.
 * @throws Error when a packet runs past the end: a truncated key.
 */
export function readPackets(bytes: Uint8Array): Packet[] | undefined {
  const packets: Packet[] = [];
  for (let at = 0; at < bytes.length; ) {
    const first = bytes[at]!;
    if (!(first & 0x80)) throw new Error("Not an OpenPGP packet: its header's first bit is clear");
    let tag: number;
    let length: number;
    if (first & 0x40) {
      tag = first & 0x3f;
      const octet = bytes[at + 1]!;
      if (octet < 192) [length, at] = [octet, at + 2];
      else if (octet < 224) [length, at] = [((octet - 192) << 8) + bytes[at + 2]! + 192, at + 3];
      else if (octet === 255) [length, at] = [readUintBE(bytes, at + 2, 4), at + 6];
      else return undefined;
    } else {
      tag = (first >> 2) & 0x0f;
      const size = [1, 2, 4][first & 0x03];
      // Length type 3 is "until the end of the data".
      if (size === undefined) [length, at] = [bytes.length - at - 1, at + 1];
      else [length, at] = [readUintBE(bytes, at + 1, size), at + 1 + size];
    }
    if (at + length > bytes.length) throw new Error(`OpenPGP packet ${tag} runs past the end of the data`);
    packets.push({ tag, body: bytes.subarray(at, at + length) });
    at += length;
  }
  return packets;
}

/** A packet with an OpenPGP-format header (RFC 9580 §4.2.1), which every reader since RFC 2440 reads. */
export function writePacket(tag: number, body: Uint8Array): Uint8Array {
  const n = body.length;
  const length =
    n < 192
      ? [n]
      : n < 8384
        ? [((n - 192) >> 8) + 192, (n - 192) & 0xff]
        : [255, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Uint8Array.of(0xc0 | tag, ...length), body]);
}

/**
 * The multiprecision integer at `at` (RFC 9580 §3.2: a 2-octet bit count, then the big-endian
 * value), and where the next field starts.
 * @throws Error when it runs past the end of `bytes`.
 */
export function readMpi(bytes: Uint8Array, at: number): { value: Uint8Array; next: number } {
  const bits = readUintBE(bytes, at, 2);
  const next = at + 2 + Math.ceil(bits / 8);
  if (next > bytes.length) throw new Error("An OpenPGP integer runs past the end of its packet");
  return { value: bytes.subarray(at + 2, next), next };
}

/** `value` as a multiprecision integer (RFC 9580 §3.2): its leading zero octets are dropped. */
export function writeMpi(value: Uint8Array): Uint8Array {
  const start = value.findIndex((byte) => byte !== 0);
  const trimmed = start < 0 ? new Uint8Array() : value.subarray(start);
  const bits = trimmed.length ? (trimmed.length - 1) * 8 + (32 - Math.clz32(trimmed[0]!)) : 0;
  return Buffer.concat([Uint8Array.of(bits >> 8, bits & 0xff), trimmed]);
}

function readUintBE(bytes: Uint8Array, at: number, size: number): number {
  if (at + size > bytes.length) throw new Error("An OpenPGP field runs past the end of the data");
  let value = 0;
  for (let i = 0; i < size; i++) value = value * 256 + bytes[at + i]!;
  return value;
}
