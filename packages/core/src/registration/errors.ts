export class AlreadyRegisteredError extends Error {
  override name = "AlreadyRegisteredError";
  constructor() {
    super("This email address is already registered");
  }
}
