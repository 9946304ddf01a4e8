import { type LevelWithSilent, type Logger, pino } from "pino";
import { REDACTED, redact, redactSecrets } from "./secrets.js";

export { REDACTED, redactSecrets } from "./secrets.js";

/**
 * The run's logger: pino JSON lines on stderr when it is not a TTY (or `--log-format json`),
 * short readable lines otherwise. The API key never gets out: pino `redact` blanks the
 * fields that hold it, and as a second guard every written line has each secret string
 * replaced by `[REDACTED]`, wherever it hides (a message, an error, a URL), and so is every
 * key the process knows (secrets.ts).
 */

export type LogFormat = "json" | "pretty";
export type { Logger };

export interface LoggerOptions {
  level?: LevelWithSilent;
  /** Forced format; by default json unless the stream is a TTY. */
  format?: LogFormat | undefined;
  stream: { write(text: string): unknown };
  isTTY?: boolean;
  /**
   * Strings never to write. Read at every write, so a key resolved after the logger was
   * made can be pushed onto the same array.
   */
  secrets: string[];
  /** ANSI colours in the pretty format (the caller checks the TTY and NO_COLOR). */
  color?: boolean;
}

/** Field paths that hold credentials, wherever they appear in a log object. */
const REDACT_PATHS = [
  "apiKey",
  "*.apiKey",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "headers.Authorization",
  "*.headers.authorization",
  "*.headers.Authorization",
];

/**
 * @example
 * const logger = createLogger({ level: "info", stream: process.stderr,
 *   isTTY: process.stderr.isTTY, secrets: [apiKey] });
 */
export function createLogger(options: LoggerOptions): Logger {
  const format = options.format ?? (options.isTTY ? "pretty" : "json");
  const { stream, secrets } = options;
  const color = options.color ?? false;
  const destination = {
    write(line: string) {
      const text = format === "pretty" ? formatPrettyLine(line, color) : line;
      stream.write(redact(redactSecrets(text, secrets)));
    },
  };
  return pino(
    {
      level: options.level ?? "warn",
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      base: format === "pretty" ? undefined : { pid: process.pid },
    },
    destination,
  );
}

const LEVEL_NAMES: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};
const LEVEL_COLORS: Record<number, string> = { 40: "\x1b[33m", 50: "\x1b[31m", 60: "\x1b[31m" };
const DIM = "\x1b[2m";
const RESET = "\x1b[0m";

/** `12:00:01.234 WARN  retrying request=GET /api/v2/runs status=503` from a pino JSON line. */
export function formatPrettyLine(line: string, color: boolean): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  const { level, time, msg, err, ...fields } = entry;
  const levelNumber = typeof level === "number" ? level : 30;
  const name = (LEVEL_NAMES[levelNumber] ?? String(level)).padEnd(5);
  const clock = typeof time === "number" ? new Date(time).toISOString().slice(11, 23) : "";
  const rest = Object.entries(fields).map(([k, v]) => `${k}=${formatValue(v)}`);
  const errText = formatErr(err);
  const head = color
    ? `${DIM}${clock}${RESET} ${LEVEL_COLORS[levelNumber] ?? ""}${name}${RESET}`
    : `${clock} ${name}`;
  return [head, typeof msg === "string" ? msg : "", ...rest].join(" ").trimEnd() + errText + "\n";
}

function formatValue(v: unknown): string {
  if (typeof v === "string") return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v);
}

function formatErr(err: unknown): string {
  if (typeof err !== "object" || err === null) return "";
  const { message, stack } = err as { message?: unknown; stack?: unknown };
  if (typeof stack === "string") return "\n  " + stack.replace(/\n/g, "\n  ");
  return typeof message === "string" ? ` err=${JSON.stringify(message)}` : "";
}
