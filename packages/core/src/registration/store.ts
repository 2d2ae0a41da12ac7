import type { Audience } from "./audience.ts";
import type { AudienceProfile } from "./audience-filter.ts";

/**
 * Only `active` addresses are mailed. `bounced` and `complained` are set from SES events (see
 * ses-events); `unsubscribed` by the owner's unsubscribe link. An opted-out address that is
 * registered again keeps its status until its owner follows the confirmation link.
 */
export type RegistrationStatus = "active" | "bounced" | "complained" | "unsubscribed";

export type Registration = {
  /** The normalized address: the key, so that uniqueness ignores letter case. */
  email: string;
  /** The address as its owner typed it, which is where mail goes. */
  address: string;
  /** The latest registration's product id (a re-registration replaces it; the history keeps the old). */
  productId: string;
  version: string | undefined;
  distribution: string | undefined;
  registeredAt: string;
  status: RegistrationStatus;
  sourceIp: string | undefined;
  /** When the status last changed: by an SES event, an unsubscribe or a confirmation. */
  statusChangedAt?: string;
  unsubscribedAt?: string;
  /** The latest registration of the address while it was opted out. */
  reregisteredAt?: string;
  /** When the latest confirmation email went out: at most one a day. */
  confirmationSentAt?: string;
  confirmedAt?: string;
  /**
   * What the installation reported when it registered again while active (OpenEMR asks after
   * every upgrade); `version`, `distribution` and `sourceIp` keep what it first registered with.
   */
  latestVersion?: string;
  latestDistribution?: string;
  latestReportedAt?: string;
  latestSourceIp?: string;
  /** In the opted-out and weekly counts (counters.ts `COUNTED`): all since the marker, and those backfilled. */
  counted?: true;
};

/** One change to the list, kept in the history of its address beside its SES events. */
export type ListChange = {
  email: string;
  type: "Registered" | "Reregistered" | "Reported" | "Unsubscribed" | "Confirmed";
  at: string;
  /** The status before and after; a re-registration leaves it as it was. */
  from: RegistrationStatus | undefined;
  to: RegistrationStatus;
  /** Registrations: the caller's IP and the product id it was given (and the ones it replaced). */
  sourceIp?: string;
  productId?: string;
  previousSourceIp?: string;
  previousProductId?: string;
  /** Re-registrations: whether this one sent a confirmation email. */
  confirmationSent?: boolean;
  /** Unsubscribes: the broadcast whose email's link it was, when the link says. */
  broadcastId?: string;
  /** Reports: the version reported, and the latest one before it. */
  version?: string;
  previousVersion?: string;
};

export type StatusChange = {
  email: string;
  /** Applied only if the registration is still in this status. */
  from: RegistrationStatus;
  /** Whether it was counted when read (`Registration.counted`): only then are the opted-out counts moved. */
  counted: boolean;
  to: RegistrationStatus;
  at: string;
  /** Further attributes to set, such as `unsubscribedAt`. */
  set?: Partial<Registration> & { transientBounces?: number };
  entry: ListChange;
  /** The broadcast whose email's unsubscribe link made the change: its `unsubscribes` counts it, in the same write. */
  unsubscribedBy?: string;
};

export type Reregistration = {
  email: string;
  /** Applied only if the registration is still as read: this status, this confirmation time. */
  expected: Pick<Registration, "status" | "confirmationSentAt">;
  set: Pick<Registration, "productId" | "version" | "distribution" | "sourceIp"> & {
    reregisteredAt: string;
    confirmationSentAt?: string;
  };
  entry: ListChange;
};

export type VersionReport = {
  email: string;
  set: Required<Pick<Registration, "latestVersion" | "latestReportedAt">> &
    Pick<Registration, "latestDistribution" | "latestSourceIp">;
  entry: ListChange;
};

/** An address to take off the list at its owner's request, leaving only its hashes behind. */
export type Erasure = {
  email: string;
  /** The registration as read, which the erase is held to; `undefined` when there was none. */
  expected: Pick<Registration, "status" | "counted"> | undefined;
  /** The address's keyed hashes (suppression.ts), put on the suppression list in the same write. */
  hashes: string[];
  at: string;
};

/** The registration list, as the domain needs it. */
export type RegistrationStore = {
  /**
   * Adds a new address, counted in `count` and `active`, with its history entry.
   * An active one only if the address is not on the suppression list; any other status is one
   * that waits for its owner's confirmation, and is added whatever the list says.
   * @throws AlreadyRegisteredError when the normalized address is taken.
   * @throws ErasedAddressError when an active one's address was erased.
   */
  add(registration: Registration): Promise<void>;
  /**
   * Deletes the registration, moves `count` and its status's count, and puts the address's hashes
   * on the suppression list, in one transaction; `false`, changing nothing, when the registration
   * is no longer as read. Its history is the caller's to delete (privacy/).
   */
  erase(erasure: Erasure): Promise<boolean>;
  /** How many addresses have ever been registered (`count`) and how many are mailed (`active`). */
  counts(): Promise<{ count: number; active: number }>;
  /** Read consistently. */
  get(email: string): Promise<Registration | undefined>;
  /** Several at once, read consistently and keyed by normalized address; unknown ones are absent. */
  getMany(emails: string[]): Promise<Map<string, Registration>>;
  /**
   * Changes the status, the `active` count and the history together; `false`, changing nothing,
   * when the registration is no longer in `from`.
   */
  changeStatus(change: StatusChange): Promise<boolean>;
  /** Records a registration of an opted-out address; `false`, changing nothing, when it is no longer as expected. */
  reregister(reregistration: Reregistration): Promise<boolean>;
  /** Records an active registration's reported version; `false`, changing nothing, when it is no longer active. */
  report(report: VersionReport): Promise<boolean>;
  /** Forgets a confirmation email that could not be sent, so that the next registration sends one. */
  releaseConfirmation(email: string, sentAt: string): Promise<void>;
  /** The list changes of an address, oldest first (its SES events are in ses-events' history). */
  history(email: string): Promise<ListChange[]>;
  /**
   * One page of one segment of a parallel scan over the whole list, so that a large list is read
   * by several workers and in pieces that each fit a Lambda invocation; with each address, what an
   * audience filters by.
   */
  scanPage(page: ScanPageRequest): Promise<ScanPage>;
  /**
   * Active registrations by their latest reported version and by distribution (`unknown` where
   * none was sent). Reads the whole list (a parallel scan of a few attributes): the board asks
   * for it by hand, and `npm run bench` measures it at 100,000 registrations.
   */
  activeVersions(): Promise<ActiveVersions>;
  /** How many active registrations an audience reaches: the same scan as `activeVersions`. */
  audienceReach(audience: Audience | undefined): Promise<AudienceReach>;
};

export type AudienceReach = {
  active: number;
  reached: number;
  /** Active addresses among the audience's distributions whose version is unknown. */
  unknownVersion: number;
};

/** One registration as a scan reads it: the address, whether it is mailed now, its latest version and distribution. */
export type ScanEntry = AudienceProfile & { email: string; active: boolean };

export type ScanPage = { entries: ScanEntry[]; cursor: ScanCursor | undefined };

export type ActiveVersions = {
  active: number;
  byVersion: Record<string, number>;
  byDistribution: Record<string, number>;
};

/** Where a scan segment stopped: DynamoDB's `LastEvaluatedKey`, opaque to callers. */
export type ScanCursor = Record<string, string>;

export type ScanPageRequest = {
  segment: number;
  totalSegments: number;
  cursor: ScanCursor | undefined;
  limit: number;
};
