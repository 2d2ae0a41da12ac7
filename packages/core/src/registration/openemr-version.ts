/**
 * OpenEMR versions as OpenEMR writes and orders them. `version.php` holds `$v_major`, `$v_minor`,
 * `$v_patch`, `$v_tag` (`-dev` while in development, empty for a release) and `$v_realpatch` (the
 * patch level of a release); OpenEMR shows them as `7.0.3 (4)` (`"$v_major.$v_minor.$v_patch$v_tag"`,
 * then ` ($v_realpatch)` when it is not 0), and its release images and announcements as `7.0.3.4`.
 * Both are the same version. Order: major, minor, patch; then a tagged version (`8.2.0-dev`) before
 * the release it leads to; then the patch level. Missing parts are 0.
 * @module
 */

export type OpenEmrVersion = { major: number; minor: number; patch: number; tag: string; realpatch: number };

// `7`, `7.0.3`, `7.0.3.4`, `7.0.3 (4)`, `8.2.0-dev`, `8.0.0-dev.2`, `7.0.3-dev (4)`; a leading `v` is tolerated.
export const OPENEMR_VERSION_PATTERN =
  /^v?(\d{1,6})(?:\.(\d{1,6}))?(?:\.(\d{1,6}))?(?:\.(\d{1,6}))?(-[0-9A-Za-z.-]{1,32})?(?:\s*\((\d{1,6})\))?$/;

/** The parts of a version string; `undefined` for anything OpenEMR would not have written. */
export function parseOpenEmrVersion(text: string): OpenEmrVersion | undefined {
  const match = OPENEMR_VERSION_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const [, major, minor, patch, dotted, tag, bracketed] = match;
  // A patch level given twice (`7.0.3.4 (4)`) is no version OpenEMR writes.
  if (dotted !== undefined && bracketed !== undefined) return undefined;
  const number = (part: string | undefined) => (part === undefined ? 0 : Number(part));
  return {
    major: number(major),
    minor: number(minor),
    patch: number(patch),
    tag: tag ?? "",
    realpatch: number(dotted ?? bracketed),
  };
}

/** Negative when `a` comes before `b`, positive after, 0 for the same version. */
export function compareOpenEmrVersions(a: OpenEmrVersion, b: OpenEmrVersion): number {
  const numbers = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (numbers !== 0) return numbers;
  if (a.tag !== b.tag) {
    // Untagged is the release; between two tags, `-dev.2` after `-dev.1` and `-dev.10` after both.
    if (a.tag === "") return 1;
    if (b.tag === "") return -1;
    return a.tag.localeCompare(b.tag, "en", { numeric: true });
  }
  return a.realpatch - b.realpatch;
}

/** The version as OpenEMR's releases are named: `7.0.3.4`, `8.2.0-dev`. */
export function formatOpenEmrVersion({ major, minor, patch, tag, realpatch }: OpenEmrVersion): string {
  return `${major}.${minor}.${patch}${realpatch ? `.${realpatch}` : ""}${tag}`;
}

/**
 * The name a version is tallied under: one per version however OpenEMR wrote it (`7.0.3 (4)` and
 * `7.0.3.4` are both `7.0.3.4`); a text that does not parse is tallied as it came.
 */
export function versionBucket(text: string): string {
  const parsed = parseOpenEmrVersion(text);
  return parsed ? formatOpenEmrVersion(parsed) : text;
}
