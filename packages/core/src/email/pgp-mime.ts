import type { MailSigner } from "./pgp-signer.ts";

const CRLF = "\r\n";
const SIGNATURE_PART_HEADERS = [
  'Content-Type: application/pgp-signature; name="signature.asc"',
  "Content-Description: OpenPGP digital signature",
  'Content-Disposition: attachment; filename="signature.asc"',
].join(CRLF);

/** Composed email that a relay could change, so that its signature would no longer verify. */
export class UnsignableEmailError extends Error {
  override name = "UnsignableEmailError";
}

/**
 * `raw`, a composed message whose parts use 7-bit transfer encodings and CRLF line ends, as
 * PGP/MIME (RFC 3156 §5): `multipart/signed` whose first part is the message's own MIME entity
 * (its Content-* headers and body, byte for byte) and whose second is the detached signature.
 * The envelope headers (From, To, Subject, List-Unsubscribe, ...) stay outside, where SES may add
 * its own without touching a signed byte.
 * @throws UnsignableEmailError when the entity has 8-bit bytes, a bare LF, trailing white space or
 * a line over 76 characters, any of which a relay may rewrite.
 */
export async function signMime(raw: Uint8Array, signer: MailSigner): Promise<Buffer> {
  const message = Buffer.from(raw).toString("latin1");
  const split = message.indexOf(CRLF + CRLF);
  if (split < 0) throw new UnsignableEmailError("The message has no body");
  const fields = message.slice(0, split).split(/\r\n(?![ \t])/);
  const isContent = (field: string) => /^content-/i.test(field);
  // An mbox "From " line gets a ">" from some relays. In quoted-printable it is spelled "=46rom"
  // and a soft break, so that the line grows no longer.
  const body = message.slice(split + 4).replace(/\r\nFrom /g, `${CRLF}=46rom=${CRLF} `);
  const entity = `${fields.filter(isContent).join(CRLF)}${CRLF}${CRLF}${body}`;
  checkSevenBit(entity);

  const { signature, micalg } = await signer.sign(Buffer.from(entity, "latin1"));
  const boundary = `----=_OpenPGP_${crypto.randomUUID()}`;
  const signed = [
    ...fields.filter((field) => !isContent(field)),
    `Content-Type: multipart/signed; protocol="application/pgp-signature";${CRLF} micalg=${micalg};` +
      ` boundary="${boundary}"`,
    "",
    "This is an OpenPGP/MIME signed message (RFC 4880 and 3156)",
    `--${boundary}`,
    entity,
    `--${boundary}`,
    SIGNATURE_PART_HEADERS,
    "",
    signature.replace(/\r?\n/g, CRLF).trimEnd(),
    `--${boundary}--`,
    "",
  ].join(CRLF);
  return Buffer.from(signed, "latin1");
}

function checkSevenBit(entity: string): void {
  if (/[^\t\r\n -~]/.test(entity)) throw new UnsignableEmailError("The signed part has 8-bit or control bytes");
  if (/(?<!\r)\n|\r(?!\n)/.test(entity)) throw new UnsignableEmailError("The signed part has a bare line end");
  const lines = entity.split(CRLF);
  if (lines.some((line) => /[ \t]$/.test(line))) throw new UnsignableEmailError("The signed part has trailing space");
  if (lines.some((line) => line.length > 76)) throw new UnsignableEmailError("The signed part has a long line");
}
