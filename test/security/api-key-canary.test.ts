import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { seededRandom } from "../reliability/support/random.js";
import { BASE_SEED, generateRuns, toCsv } from "../reliability/support/runs.js";
import { cli, workspace } from "./support.js";

/**
 * The API key must never reach stdout, stderr (every log level and format), plan files,
 * results files or error messages (contract §8). The emulator requires a canary key; every
 * output of every scenario is searched for it.
 */
const CANARY = "sift_canary_Zx9Qw7Lm3Np5Rt";
/** What else would give the key away: its distinctive tail, and the whole header base64'd. */
const LEAKS = [CANARY, "Zx9Qw7Lm3Np5Rt", Buffer.from(`Bearer ${CANARY}`).toString("base64")];

function expectNoKey(where: string, text: string): void {
  for (const leak of LEAKS) expect(text.includes(leak), `${where} holds the key`).toBe(false);
}

let emulator: Emulator;
beforeAll(async () => {
  // Faults make the client retry and log about it; lost answers make creates reconcile.
  emulator = await startEmulator({
    port: 0,
    apiKey: CANARY,
    seed: BASE_SEED,
    faultRate: 0.2,
    faultSeed: 99,
    retryAfterSeconds: 0,
  });
});
afterAll(() => emulator.close());

const LEVELS = ["trace", "debug", "info", "warn"] as const;
const FORMATS = ["json", "pretty"] as const;
/** Every level in both formats; the key from the environment or the flag, in turn. */
const SCENARIOS = LEVELS.flatMap((level, i) =>
  FORMATS.map((format, j) => ({ level, format, key: (i + j) % 2 === 0 ? "env" : "flag" })),
);

// Concurrent: the unreachable API's retry budget (~11 s of waiting) overlaps the other runs.
describe.concurrent("the API key never leaves the process", () => {
  it.each(SCENARIOS)(
    "plan --out, apply --results, at $level in $format, key from $key",
    async ({ level, format, key }) => {
      const prefix = `${level}-${format}-${key}`;
      const { dir, manifests } = workspace({
        "runs.csv": toCsv(generateRuns(prefix, 20, seededRandom(1))),
      });
      const env: Record<string, string> = { SIFT_REST_URI: emulator.url };
      const keyArgs = key === "flag" ? ["--api-key", CANARY] : [];
      if (key === "env") env.SIFT_API_KEY = CANARY;
      const common = [...keyArgs, "--log-level", level, "--log-format", format];
      const planFile = join(dir, "plan.json");
      const planned = await cli(["plan", manifests, "--out", planFile, ...common], env);
      const applied = await cli(
        ["apply", manifests, "--results", join(dir, "results.csv"), ...common],
        env,
      );
      const saved = await cli(
        ["apply", "--plan", planFile, "--results", join(dir, "results.jsonl"), ...common],
        env,
      );
      expect([planned.code, applied.code]).toEqual([0, 0]);
      for (const [name, run] of Object.entries({ planned, applied, saved })) {
        expectNoKey(`${name} stdout`, run.stdout);
        expectNoKey(`${name} stderr`, run.stderr);
      }
      for (const file of ["plan.json", "results.csv", "results.jsonl"]) {
        expect(existsSync(join(dir, file))).toBe(true);
        expectNoKey(file, readFileSync(join(dir, file), "utf8"));
      }
      // The logs were there to be searched: debug and trace show every request.
      if (level === "trace" || level === "debug") expect(applied.stderr).toMatch(/answer/);
      if (key === "flag") {
        expect(applied.stderr).toMatch(/--api-key.*process list.*prefer SIFT_API_KEY/);
      } else {
        expect(applied.stderr).not.toMatch(/--api-key/);
      }
    },
  );

  it(
    "an API that cannot be reached (after every retry)",
    async () => {
      const closed = await listen(() => {});
      const url = `http://127.0.0.1:${port(closed)}`;
      await new Promise((resolve) => closed.close(resolve));
      const { manifests } = workspace({ "runs.csv": "clientKey,name\nk-1,Run 1\n" });
      const run = await cli(["plan", manifests, "--log-level", "trace"], {
        SIFT_REST_URI: url,
        SIFT_API_KEY: CANARY,
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/no answer: cannot reach 127\.0\.0\.1:\d+.*after 8 attempts/);
      expectNoKey("output", run.stdout + run.stderr);
    },
    // The CLI's retry budget: 8 attempts, about 11 s of backoff on average, 23 s at most.
    40_000,
  );
});

describe("error messages never hold the key", () => {
  const { manifests } = workspace({ "runs.csv": "clientKey,name\nk-1,Run 1\n" });

  it.each(["trace", "warn"])("a wrong key: 401, at %s", async (level) => {
    const wrong = `${CANARY}_wrong`;
    const env = { SIFT_REST_URI: emulator.url, SIFT_API_KEY: wrong };
    const run = await cli(["plan", manifests, "--log-level", level], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/401: missing or invalid API key/);
    expectNoKey("stderr", run.stderr.replaceAll(wrong, "[the wrong key]"));
    expect(run.stderr).not.toContain(wrong);
  });

  it.each([
    ["a line break", "sift_canary\nZx9Qw7Lm3Np5Rt"],
    ["a control character", "sift_canary\u0007Zx9Qw7Lm3Np5Rt"],
    ["a character beyond Latin-1", "sift_canary\u20acZx9Qw7Lm3Np5Rt"],
  ])("a key no HTTP header can carry (%s): refused before any request", async (_, key) => {
    const before = emulator.stats().total;
    const run = await cli(["plan", manifests, "--log-level", "trace"], {
      SIFT_REST_URI: emulator.url,
      SIFT_API_KEY: key,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /error: the API key from SIFT_API_KEY holds a line break, a control character or a character beyond Latin-1, which an HTTP header cannot carry/,
    );
    expect(emulator.stats().total).toBe(before);
    expectNoKey("output", run.stdout + run.stderr);
    expect(run.stdout + run.stderr).not.toContain("sift_canary");
  });

  it("a URL holding the key as a password", async () => {
    const env = { SIFT_REST_URI: `http://user:${CANARY}@127.0.0.1:1`, SIFT_API_KEY: CANARY };
    const run = await cli(["plan", manifests, "--log-level", "trace"], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/must not hold a user name or password/);
    expectNoKey("stderr", run.stdout + run.stderr);
  });

  it("an API that redirects elsewhere: not followed, the key goes nowhere else", async () => {
    const seen: string[] = [];
    const elsewhere = await listen((req, res) => {
      seen.push(req.headers.authorization ?? "");
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
    const redirecting = await listen((req, res) => {
      res.writeHead(307, { location: `http://127.0.0.1:${port(elsewhere)}${req.url}` });
      res.end();
    });
    try {
      const env = { SIFT_REST_URI: `http://127.0.0.1:${port(redirecting)}`, SIFT_API_KEY: CANARY };
      const run = await cli(["plan", manifests, "--log-level", "trace"], env);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/error: \[GET \/api\/v2\/runs\] 307: Temporary Redirect/);
      expect(seen).toEqual([]);
      expectNoKey("output", run.stdout + run.stderr);
    } finally {
      redirecting.close();
      elsewhere.close();
    }
  });
});

function listen(handler: Parameters<typeof createServer>[1]): Promise<Server> {
  const server = createServer(handler!);
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

function port(server: Server): number {
  return (server.address() as AddressInfo).port;
}
