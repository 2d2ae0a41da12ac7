export class AlreadyRegisteredError extends Error {
  override name = "AlreadyRegisteredError";
  constructor() {
    super("This email address is already registered");
  }
}

/** The confirmation email of a re-registration could not go out; registering again will retry it. */
export class ConfirmationNotSentError extends Error {
  override name = "ConfirmationNotSentError";
  constructor(options?: ErrorOptions) {
    super("The confirmation email could not be sent; register again shortly", options);
  }
}
