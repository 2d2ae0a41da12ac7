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

/** Other writes to the same address kept winning: the caller may try again in a moment. */
export class RegistrationBusyError extends Error {
  override name = "RegistrationBusyError";
  constructor(attempts: number) {
    super(`Registration of a registered address kept conflicting after ${attempts} attempts`);
  }
}

/** The address was erased at its owner's request: registering it again waits for their confirmation. */
export class ErasedAddressError extends Error {
  override name = "ErasedAddressError";
  constructor() {
    super("This email address was erased; registering it again needs its owner's confirmation");
  }
}
