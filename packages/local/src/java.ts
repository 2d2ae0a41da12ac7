import { spawnSync } from "node:child_process";

const MINIMUM_JAVA = 17;

export const JAVA_HELP = [
  `DynamoDB Local needs Java ${MINIMUM_JAVA} or newer on the PATH.`,
  "  Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless",
  "  macOS:         brew install openjdk@17",
  "  Windows:       winget install Microsoft.OpenJDK.17",
].join("\n");

/** The major version of the `java` on the PATH, or undefined when there is none. */
export function javaMajorVersion(): number | undefined {
  const result = spawnSync("java", ["-version"], { encoding: "utf8" });
  if (result.error || result.status !== 0) return undefined;
  // `java -version` prints to stderr: `openjdk version "17.0.15"` or, before Java 9, `"1.8.0_392"`.
  const match = /version "(\d+)(?:\.(\d+))?/.exec(result.stderr);
  if (!match) return undefined;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2]) : major;
}

/** @throws Error with installation advice when Java is missing or too old. */
export function requireJava(): void {
  const major = javaMajorVersion();
  if (major === undefined || major < MINIMUM_JAVA) {
    const found = major === undefined ? "No Java was found." : `Java ${major} was found.`;
    throw new Error(`${found}\n${JAVA_HELP}`);
  }
}
