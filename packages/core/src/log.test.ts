import { afterEach, describe, expect, it, vi } from "vitest";
import { logger } from "./log.ts";

const captured = () => {
  const lines = { stdout: [] as string[], stderr: [] as string[] };
  for (const stream of ["stdout", "stderr"] as const)
    vi.spyOn(process[stream], "write").mockImplementation((chunk) => {
      lines[stream].push(String(chunk));
      return true;
    });
  return lines;
};

describe("logger", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it("writes one JSON line per entry, in Powertools Logger's shape, warnings to stderr", () => {
    vi.stubEnv("LOG_LEVEL", "INFO");
    vi.stubEnv("_X_AMZN_TRACE_ID", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1");
    const lines = captured();
    logger.info("registered", { version: "7.0.3" });
    logger.warn("request failed", { error: new TypeError("no table") });
    expect(lines.stdout).toHaveLength(1);
    expect(lines.stdout[0]).toMatch(/\n$/);
    expect(JSON.parse(lines.stdout[0]!)).toEqual({
      level: "INFO",
      message: "registered",
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      service: "oemr-reg",
      xray_trace_id: "1-5759e988-bd862e3fe1be46a994272793",
      version: "7.0.3",
    });
    const warning = JSON.parse(lines.stderr[0]!);
    expect(warning).toMatchObject({ level: "WARN", error: { name: "TypeError", message: "no table" } });
    expect(warning.error.stack).toContain("log.test.ts");
  });

  it("leaves out what is below the level: Lambda's own first, then LOG_LEVEL, else INFO", () => {
    const lines = captured();
    vi.stubEnv("LOG_LEVEL", "");
    logger.debug("not at INFO");
    logger.info("at INFO");
    vi.stubEnv("LOG_LEVEL", "error");
    logger.warn("not at ERROR");
    vi.stubEnv("AWS_LAMBDA_LOG_LEVEL", "DEBUG");
    logger.debug("at Lambda's DEBUG");
    const messages = [...lines.stdout, ...lines.stderr].map((line) => JSON.parse(line).message);
    expect(messages).toEqual(["at INFO", "at Lambda's DEBUG"]);
  });
});
