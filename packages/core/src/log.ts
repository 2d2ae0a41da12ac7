const LEVELS = { DEBUG: 8, INFO: 12, WARN: 16, ERROR: 20, SILENT: 28 } as const;
type Level = Exclude<keyof typeof LEVELS, "SILENT">;

/**
 * The threshold: Lambda's own log level when the function sets one (its advanced logging
 * controls), else `LOG_LEVEL`, else INFO.
 */
function threshold(): number {
  const name = (process.env.AWS_LAMBDA_LOG_LEVEL ?? process.env.LOG_LEVEL ?? "INFO").toUpperCase();
  return LEVELS[name as keyof typeof LEVELS] ?? LEVELS.INFO;
}

// An Error's own properties are not enumerable: without this it would be logged as `{}`.
const withErrors = (_key: string, value: unknown) =>
  value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value;

function write(level: Level, message: string, extra: Record<string, unknown>): void {
  if (LEVELS[level] < threshold()) return;
  const trace = process.env._X_AMZN_TRACE_ID;
  const entry = {
    level,
    message,
    timestamp: new Date().toISOString(),
    service: "oemr-reg",
    ...(trace && { xray_trace_id: trace.split(";")[0]!.replace("Root=", "") }),
    ...extra,
  };
  // Straight to the streams, as Powertools Logger writes: Lambda's patched `console` would put
  // its own text before the JSON. Warnings and errors go to stderr.
  (LEVELS[level] >= LEVELS.WARN ? process.stderr : process.stdout).write(`${JSON.stringify(entry, withErrors)}\n`);
}

/**
 * One structured JSON logger for every handler: a line per entry, in Powertools Logger's shape
 * (level, message, timestamp, service, the trace, then the entry's own keys), which CloudWatch
 * Logs Insights reads field by field. Powertools' Logger itself was 22 KB of every handler's first
 * load, for these four methods: more than a fifth of what the API may load beyond the AWS SDK
 * (issue #26). Addresses are logged only through `maskEmail`, secrets never.
 */
export const logger = {
  debug: (message: string, extra: Record<string, unknown> = {}) => write("DEBUG", message, extra),
  info: (message: string, extra: Record<string, unknown> = {}) => write("INFO", message, extra),
  warn: (message: string, extra: Record<string, unknown> = {}) => write("WARN", message, extra),
  error: (message: string, extra: Record<string, unknown> = {}) => write("ERROR", message, extra),
};
