import { describe, expect, it } from "vitest";
import { commandHelp, type ProgramSpec, parseCommandLine, programHelp, UsageError } from "./command-line.ts";
import { liveApiUrl } from "./running-start.ts";

const TOOL: ProgramSpec = {
  name: "tool",
  summary: "does things",
  options: {
    help: { type: "boolean", short: "h", description: "this help" },
    version: { type: "boolean", description: "its version" },
    loud: { type: "boolean", description: "shout" },
    name: { type: "string", value: "<who>", description: "whom to greet" },
  },
  common: ["help"],
  programOnly: ["version"],
  commands: {
    greet: { args: "[--name <who>]", summary: "says hello", options: ["name", "loud"], examples: ["tool greet"] },
    count: { summary: "counts", options: [], examples: ["tool count"] },
  },
};

const usageError = (argv: string[]) => {
  try {
    parseCommandLine(TOOL, argv);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`${argv.join(" ")} parsed`);
};

describe("a command line described as data", () => {
  it("parses a command, its options and its positionals", () => {
    expect(parseCommandLine(TOOL, ["greet", "--name", "Ada", "--loud"])).toEqual({
      command: "greet",
      positionals: [],
      values: { name: "Ada", loud: true },
      help: false,
    });
  });

  it("answers an unknown option, command or value in one line naming it and the help to read", () => {
    expect(usageError(["greet", "--nmae", "Ada"])).toBe("Unknown option --nmae. Run tool greet --help.");
    expect(usageError(["--nope"])).toBe("Unknown option --nope. Run tool --help.");
    expect(usageError(["great"])).toBe('Unknown command "great". Run tool --help.');
    expect(usageError(["greet", "--name"])).toBe("--name needs a value. Run tool greet --help.");
    expect(usageError(["count", "--loud"])).toBe("--loud does not apply to count. Run tool count --help.");
    expect(usageError(["count", "--version"])).toBe("--version does not apply to count. Run tool count --help.");
    for (const argv of [["greet", "--nmae"], ["great"], ["count", "--loud"]])
      expect(usageError(argv)).not.toContain("\n");
  });

  it("takes --help anywhere, for the command it follows", () => {
    expect(parseCommandLine(TOOL, ["greet", "--help"])).toMatchObject({ command: "greet", help: true });
    expect(parseCommandLine(TOOL, ["-h"])).toMatchObject({ command: undefined, help: true });
  });

  it("writes every command and option into the help, and each command's options and examples into its own", () => {
    const general = programHelp(TOOL);
    for (const text of [
      "Usage: tool <command> [options]",
      "greet  says hello",
      "count  counts",
      "--version",
      "--help, -h",
    ])
      expect(general).toContain(text);
    const greet = commandHelp(TOOL, "greet");
    expect(greet).toContain("Usage: tool greet [--name <who>]");
    for (const text of ["--name <who>  whom to greet", "--loud", "--help, -h", "Examples:\n  tool greet"])
      expect(greet).toContain(text);
    expect(greet).not.toContain("--version");
  });
});

describe("the running npm start's file", () => {
  it("gives the API's URL while its process lives, and nothing otherwise", () => {
    const file = JSON.stringify({ apiUrl: "http://localhost:3100", pid: 42 });
    expect(liveApiUrl(file, (pid) => pid === 42)).toBe("http://localhost:3100");
    expect(liveApiUrl(file, () => false)).toBeUndefined();
    expect(liveApiUrl("not json", () => true)).toBeUndefined();
    expect(liveApiUrl(undefined, () => true)).toBeUndefined();
  });
});
