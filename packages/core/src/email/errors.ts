/** A broadcast that cannot be sent as given, such as HTML with nothing safe left to show. */
export class InvalidEmailMessageError extends Error {
  override name = "InvalidEmailMessageError";
}
