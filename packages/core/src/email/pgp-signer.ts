import { onFirstUse } from "../on-first-use.ts";
import { readEd25519Key, signEd25519 } from "./ed25519-signer.ts";

/** What signs the service's email: one OpenPGP key, parsed once per process. */
export type MailSigner = {
  /** The signing key's fingerprint, upper-case hex in groups of four, as recipients compare it. */
  fingerprint(): Promise<string>;
  /** A detached, armored signature of `data` as binary data, and the RFC 3156 `micalg` of its hash. */
  sign(data: Uint8Array): Promise<{ signature: string; micalg: string }>;
  /** `text` clearsigned (RFC 9580 §7), for the archive's pages. */
  clearsign(text: string): Promise<string>;
  /** The public keys to publish, made once. */
  published(): Promise<PublishedKeys>;
};

/** The public side of the stack's keys, for `/announcements/key.asc` and the Web Key Directory. */
export type PublishedKeys = {
  /** The current key and every retired one, armored. */
  armored: string;
  /** The current key, binary, as the Web Key Directory serves it. */
  binary: Uint8Array;
  current: PublishedKey;
  /** Newest first; each was in use until its successor was made. */
  retired: (PublishedKey & { replacedAt: string })[];
};

/** One published key: its fingerprint as recipients compare it, and when it was made (ISO 8601). */
export type PublishedKey = { fingerprint: string; createdAt: string };

export type SigningKeyOptions = {
  /** The armored private key that signs now (the `SigningKey` secret). */
  privateKey: string;
  /** Armored public keys that signed before a rotation (`SigningKeysRetired`), empty when none. */
  retiredKeys?: string;
};

/** Fingerprint hex as `gpg --fingerprint` groups it, so a reader can compare it by eye. */
export function formatFingerprint(hex: string): string {
  return (hex.toUpperCase().match(/.{1,4}/g) ?? []).join(" ");
}

// OpenPGP.js is imported on first use: most API requests never sign, and its parse is costly.
const openpgp = () => import("openpgp");

/**
 * The stack's signing key, parsed on first use and kept, so a warm Lambda parses it once. Email is
 * signed with Node's crypto when the key is a v4 Ed25519 one (ed25519-signer.ts), else, and pages
 * always, with OpenPGP.js. Signatures are made over the exact bytes (`binary`), never in text
 * mode: text mode would canonicalize line ends and hide a CRLF mistake that other clients would see.
 * @example
 * const signer = createPgpSigner({ privateKey: Resource.SigningKey.value });
 * const { signature, micalg } = await signer.sign(signedPart);
 */
export function createPgpSigner(options: SigningKeyOptions): MailSigner {
  const loaded = onFirstUse(() => openpgp().then((pgp) => pgp.readPrivateKey({ armoredKey: options.privateKey })));
  const ed25519 = onFirstUse(async () => readEd25519Key(options.privateKey));
  return {
    async fingerprint() {
      const key = await ed25519();
      return formatFingerprint(key ? Buffer.from(key.fingerprint).toString("hex") : (await loaded()).getFingerprint());
    },
    async sign(data) {
      const key = await ed25519();
      if (key) return { signature: signEd25519(key, data), micalg: "pgp-sha512" };
      const [pgp, signingKeys] = await Promise.all([openpgp(), loaded()]);
      const message = await pgp.createMessage({ binary: data });
      const signature = await pgp.sign({ message, signingKeys, detached: true, format: "armored" });
      const parsed = await pgp.readSignature({ armoredSignature: signature });
      const used = parsed.packets[0]!.hashAlgorithm;
      const hash = Object.entries(pgp.enums.hash).find(([, id]) => id === used)![0];
      return { signature, micalg: `pgp-${hash.toLowerCase()}` };
    },
    async clearsign(text) {
      const [pgp, signingKeys] = await Promise.all([openpgp(), loaded()]);
      const message = await pgp.createCleartextMessage({ text });
      return pgp.sign({ message, signingKeys, format: "armored" });
    },
    published: onFirstUse(() => publishedKeys(options)),
  };
}

/** The public keys to publish: the current one first, then the retired ones. */
async function publishedKeys({ privateKey, retiredKeys = "" }: SigningKeyOptions): Promise<PublishedKeys> {
  const pgp = await openpgp();
  const current = (await pgp.readPrivateKey({ armoredKey: privateKey })).toPublic();
  const retired = retiredKeys.trim() ? await pgp.readKeys({ armoredKeys: retiredKeys }) : [];
  const older = retired
    .filter((key) => key.getFingerprint() !== current.getFingerprint())
    .sort((a, b) => b.getCreationTime().getTime() - a.getCreationTime().getTime());
  const all = [current, ...older];
  const described = (key: (typeof all)[number]) => ({
    fingerprint: formatFingerprint(key.getFingerprint()),
    createdAt: key.getCreationTime().toISOString(),
  });
  // With the checksum that GnuPG 2.2 needs to read armor whose base64 ends unpadded (dev.gnupg.org/T7071).
  const keys = Buffer.concat(all.map((key) => key.write()));
  const armored = pgp.armor(pgp.enums.armor.publicKey, keys, undefined, undefined, undefined, true);
  return {
    armored,
    binary: current.write(),
    current: described(current),
    // No key records when it was retired: the next newer key's making is the closest date we know.
    retired: older.map((key, i) => ({ ...described(key), replacedAt: described(all[i]!).createdAt })),
  };
}
