import { describe, expect, it } from "vitest";
import { createLogger, formatPrettyLine, REDACTED, redactSecrets } from "../../src/core/logger.js";

const CANARY = "sift_CANARY_d41d8cd98f";

function capture(format: "json" | "pretty" | undefined, isTTY = false, secrets = [CANARY]) {
  const lines: string[] = [];
  const logger = createLogger({
    level: "trace",
    format,
    stream: { write: (l) => lines.push(l) },
    isTTY,
    secrets,
  });
  return { logger, lines };
}

function logEverywhere(logger: ReturnType<typeof createLogger>): void {
  logger.trace({ apiKey: CANARY }, "top-level apiKey");
  logger.debug({ config: { apiKey: CANARY } }, "nested apiKey");
  logger.info({ headers: { authorization: `Bearer ${CANARY}` } }, "headers");
  logger.info({ req: { headers: { authorization: `Bearer ${CANARY}` } } }, "request headers");
  logger.warn(`a message quoting ${CANARY}`);
  logger.error(
    { err: new Error(`failed with key ${CANARY}`, { cause: new Error(CANARY) }) },
    "error",
  );
  logger.info(
    { url: `https://x/?key=${CANARY}`, list: [CANARY], quoted: `"${CANARY}"` },
    "odd places",
  );
}

describe("logger", () => {
  it.each(["json", "pretty"] as const)("never writes the key (%s, level trace)", (format) => {
    const { logger, lines } = capture(format);
    logEverywhere(logger);
    expect(lines).toHaveLength(7);
    const text = lines.join("");
    expect(text).not.toContain(CANARY);
    expect(text).toContain(REDACTED);
  });

  it("blanks credential fields by path, not only by value", () => {
    const { logger, lines } = capture("json", false, []);
    logger.info(
      { apiKey: "anything-at-all", headers: { authorization: "Bearer anything-at-all" } },
      "x",
    );
    expect(lines[0]).not.toContain("anything-at-all");
  });

  it("reads the secrets list at each write, so a key added later is covered", () => {
    const secrets: string[] = [];
    const lines: string[] = [];
    const logger = createLogger({
      level: "info",
      format: "json",
      stream: { write: (l) => lines.push(l) },
      secrets,
    });
    secrets.push(CANARY);
    logger.info(`late ${CANARY}`);
    expect(lines[0]).not.toContain(CANARY);
  });

  it("writes pino JSON when the stream is not a TTY, pretty lines on a TTY", () => {
    const json = capture(undefined, false);
    json.logger.info({ request: "GET /api/v2/runs", attempt: 2 }, "retrying");
    expect(JSON.parse(json.lines[0]!)).toMatchObject({
      level: 30,
      msg: "retrying",
      request: "GET /api/v2/runs",
      attempt: 2,
    });

    const pretty = capture(undefined, true);
    pretty.logger.warn({ request: "GET /api/v2/runs", attempt: 2 }, "retrying");
    expect(pretty.lines[0]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} WARN {2}retrying request="GET \/api\/v2\/runs" attempt=2\n$/,
    );

    const forced = capture("json", true);
    forced.logger.info("x");
    expect(() => JSON.parse(forced.lines[0]!)).not.toThrow();
  });

  it("respects the level", () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: "warn",
      stream: { write: (l) => lines.push(l) },
      secrets: [],
    });
    logger.info("hidden");
    logger.warn("shown");
    expect(lines).toHaveLength(1);
  });
});

describe("redactSecrets", () => {
  it("replaces raw and JSON-escaped occurrences", () => {
    const secret = 'sift"key\\with';
    expect(redactSecrets(`a ${secret} b ${JSON.stringify(secret)}`, [secret])).toBe(
      `a ${REDACTED} b "${REDACTED}"`,
    );
  });

  it("leaves very short strings alone (the local emulator's key is `local`)", () => {
    expect(redactSecrets("--local", ["local", ""])).toBe("--local");
  });
});

describe("formatPrettyLine", () => {
  it("passes a non-JSON line through", () => {
    expect(formatPrettyLine("plain\n", false)).toBe("plain\n");
  });
});
