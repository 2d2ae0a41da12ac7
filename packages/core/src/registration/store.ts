/**
 * Only `active` addresses are mailed. `bounced` and `complained` are set from SES events (see
 * ses-events); `unsubscribed` by the owner's unsubscribe link.
 */
export type RegistrationStatus = "active" | "bounced" | "complained" | "unsubscribed";

export type Registration = {
  /** The normalized address: the key, so that uniqueness ignores letter case. */
  email: string;
  /** The address as its owner typed it, which is where mail goes. */
  address: string;
  productId: string;
  version: string | undefined;
  distribution: string | undefined;
  registeredAt: string;
  status: RegistrationStatus;
  sourceIp: string | undefined;
};

/** The registration list, as the domain needs it. */
export type RegistrationStore = {
  /** @throws AlreadyRegisteredError when the normalized address is taken. */
  add(registration: Registration): Promise<void>;
  /** How many addresses have ever been registered. */
  count(): Promise<number>;
  get(email: string): Promise<Registration | undefined>;
  /**
   * One page of one segment of a parallel scan over the whole list, so that a large list is read
   * by several workers and in pieces that each fit a Lambda invocation.
   */
  scanPage(page: ScanPageRequest): Promise<{ emails: string[]; cursor: ScanCursor | undefined }>;
};

/** Where a scan segment stopped: DynamoDB's `LastEvaluatedKey`, opaque to callers. */
export type ScanCursor = Record<string, string>;

export type ScanPageRequest = {
  segment: number;
  totalSegments: number;
  cursor: ScanCursor | undefined;
  limit: number;
};
