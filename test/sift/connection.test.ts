import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import {
  type ConnectionOptions,
  describeConnection,
  resolveConnection,
} from "../../src/sift/connection.js";
import { siftTomlPath } from "../../src/sift/sift-toml.js";

const home = mkdtempSync(join(tmpdir(), "sift-conn-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const TOML = `
rest_uri = "https://default.example.com"
apikey = "sift_default_key"

[staging]
rest_uri = "https://staging.example.com/"
apikey = "sift_staging_key"

[keyless]
rest_uri = "https://keyless.example.com"
`;
mkdirSync(join(home, ".config"), { recursive: true });
writeFileSync(join(home, ".config", "sift.toml"), TOML);

function resolve(options: ConnectionOptions, env: Record<string, string> = {}) {
  return resolveConnection({ options, env, platform: "linux", homedir: home });
}

function usageError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error("expected a UsageError");
}

const ENV = { SIFT_REST_URI: "https://env.example.com", SIFT_API_KEY: "sift_env_key" };

describe("precedence: flags > environment > profile, per field", () => {
  it.each([
    [
      { apiUrl: "https://flag.example.com", apiKey: "sift_flag_key", profile: "staging" },
      ENV,
      "https://flag.example.com",
      "--api-url",
      "sift_flag_key",
      "--api-key",
    ],
    [
      { apiUrl: "https://flag.example.com", profile: "staging" },
      ENV,
      "https://flag.example.com",
      "--api-url",
      "sift_env_key",
      "SIFT_API_KEY",
    ],
    [
      { apiKey: "sift_flag_key", profile: "staging" },
      ENV,
      "https://env.example.com",
      "SIFT_REST_URI",
      "sift_flag_key",
      "--api-key",
    ],
    [
      { profile: "staging" },
      ENV,
      "https://env.example.com",
      "SIFT_REST_URI",
      "sift_env_key",
      "SIFT_API_KEY",
    ],
    [
      { profile: "staging" },
      { SIFT_API_KEY: "sift_env_key" },
      "https://staging.example.com",
      "profile staging",
      "sift_env_key",
      "SIFT_API_KEY",
    ],
    [
      { profile: "staging" },
      { SIFT_REST_URI: "https://env.example.com" },
      "https://env.example.com",
      "SIFT_REST_URI",
      "sift_staging_key",
      "profile staging",
    ],
    [
      { profile: "staging" },
      {},
      "https://staging.example.com",
      "profile staging",
      "sift_staging_key",
      "profile staging",
    ],
    [
      { apiUrl: "https://flag.example.com" },
      { SIFT_API_KEY: "sift_env_key" },
      "https://flag.example.com",
      "--api-url",
      "sift_env_key",
      "SIFT_API_KEY",
    ],
    [{}, ENV, "https://env.example.com", "SIFT_REST_URI", "sift_env_key", "SIFT_API_KEY"],
    [
      { profile: "default" },
      {},
      "https://default.example.com",
      "profile default",
      "sift_default_key",
      "profile default",
    ],
    [
      { profile: "keyless" },
      { SIFT_API_KEY: "sift_env_key" },
      "https://keyless.example.com",
      "profile keyless",
      "sift_env_key",
      "SIFT_API_KEY",
    ],
  ] as const)("%j with %j → %s", (flags, env, baseUrl, source, apiKey, keySource) => {
    expect(resolve(flags, env)).toMatchObject({
      kind: "remote",
      baseUrl,
      source,
      apiKey,
      keySource,
    });
  });

  it("does not read sift.toml without --profile", () => {
    expect(usageError(() => resolve({}))).toMatch(/--api-url .*SIFT_API_KEY.*--profile.*--local/);
  });

  it("warns when the environment overrides what the chosen profile says", () => {
    const conn = resolve({ profile: "staging" }, { SIFT_API_KEY: "sift_env_key" });
    expect(conn.warnings).toEqual(["SIFT_API_KEY overrides apikey of profile staging"]);
  });
});

describe("missing settings", () => {
  it("says how to set a connection when nothing is set", () => {
    const message = usageError(() => resolve({}, {}));
    expect(message).toContain("no Sift API to talk to");
    expect(message).toContain("--local");
  });

  it("asks for a key when only the URL is set", () => {
    expect(usageError(() => resolve({ apiUrl: "https://x.example.com" }))).toMatch(
      /no API key for https:\/\/x\.example\.com: set SIFT_API_KEY/,
    );
  });

  it("asks for a URL when only the key is set, without quoting the key", () => {
    const message = usageError(() => resolve({}, { SIFT_API_KEY: "sift_env_key" }));
    expect(message).toMatch(/^no API URL \(the key came from SIFT_API_KEY\)/);
    expect(message).not.toContain("sift_env_key");
  });

  it("lists the profiles that exist when --profile names another", () => {
    expect(usageError(() => resolve({ profile: "prod" }))).toBe(
      `--profile prod: no such profile in ${join(home, ".config", "sift.toml")} (profiles there: default, staging, keyless)`,
    );
  });

  it("names the missing file", () => {
    const other = mkdtempSync(join(tmpdir(), "sift-conn-empty-"));
    const message = usageError(() =>
      resolveConnection({
        options: { profile: "staging" },
        env: {},
        platform: "linux",
        homedir: other,
      }),
    );
    expect(message).toContain(join(other, ".config", "sift.toml"));
  });
});

describe("sift.toml", () => {
  it("reports a TOML syntax error with file and line, never the file's contents", () => {
    const dir = mkdtempSync(join(tmpdir(), "sift-conn-bad-"));
    writeFileSync(
      join(dir, "sift.toml"),
      `apikey = "sift_secret_in_file"\n[staging\nrest_uri = "x"\n`,
    );
    const message = usageError(() =>
      resolveConnection({
        options: { profile: "staging" },
        env: { XDG_CONFIG_HOME: dir },
        platform: "linux",
        homedir: home,
      }),
    );
    expect(message).toMatch(
      new RegExp(`^${join(dir, "sift.toml").replace(/[.]/g, "\\.")}:2:\\d+: invalid TOML: `),
    );
    expect(message).not.toContain("sift_secret_in_file");
  });

  it("refuses a non-string apikey", () => {
    const dir = mkdtempSync(join(tmpdir(), "sift-conn-type-"));
    writeFileSync(join(dir, "sift.toml"), `[p]\nrest_uri = "https://x.example.com"\napikey = 42\n`);
    expect(
      usageError(() =>
        resolveConnection({
          options: { profile: "p" },
          env: { XDG_CONFIG_HOME: dir },
          platform: "linux",
          homedir: home,
        }),
      ),
    ).toMatch(/profile p: apikey must be a string/);
  });

  it.each([
    ["linux", { XDG_CONFIG_HOME: "/xdg" }, "/xdg/sift.toml"],
    ["linux", {}, "/home/u/.config/sift.toml"],
    ["darwin", { XDG_CONFIG_HOME: "/xdg" }, "/home/u/Library/Application Support/sift.toml"],
    [
      "win32",
      { APPDATA: "C:\\Users\\u\\AppData\\Roaming" },
      "C:\\Users\\u\\AppData\\Roaming\\sift.toml",
    ],
  ] as const)("on %s with %j lives at %s", (platform, env, path) => {
    expect(siftTomlPath({ platform, env, homedir: "/home/u" })).toBe(path);
  });
});

describe("URL checks", () => {
  const key = { SIFT_API_KEY: "sift_env_key" };
  it.each([
    ["http://localhost:8080/", "http://localhost:8080"],
    ["http://127.0.0.1:9", "http://127.0.0.1:9"],
    ["http://127.1.2.3", "http://127.1.2.3"],
    ["http://[::1]:8080", "http://[::1]:8080"],
    ["https://api.siftstack.com///", "https://api.siftstack.com"],
    ["https://sift.example.com/api-proxy/", "https://sift.example.com/api-proxy"],
    ["api.siftstack.com", "https://api.siftstack.com"],
  ])("accepts %s as %s", (apiUrl, baseUrl) => {
    expect(resolve({ apiUrl }, key)).toMatchObject({ baseUrl });
  });

  it.each([
    "http://api.siftstack.com",
    "http://10.0.0.5:8080",
    "http://localhost.example.com",
    "http://128.0.0.1",
  ])("refuses plain http to %s", (apiUrl) => {
    expect(usageError(() => resolve({ apiUrl }, key))).toMatch(
      /plain http:\/\/ is only accepted for this machine/,
    );
  });

  it.each([
    ["https://", /is not a URL/],
    ["ftp://example.com", /only https:\/\//],
    ["https://user:pw@example.com", /must not hold a user name or password/],
    ["https://example.com/?a=1", /must not have a query/],
  ])("refuses %s", (apiUrl, pattern) => {
    expect(usageError(() => resolve({ apiUrl }, key))).toMatch(pattern);
  });

  it("keeps the key out of a URL error even if the two were swapped", () => {
    const message = usageError(() =>
      resolve({ apiUrl: "http://sift_swapped_key", apiKey: "sift_swapped_key" }),
    );
    expect(message).not.toContain("sift_swapped_key");
  });
});

describe("--local", () => {
  it("is local, beating the environment", () => {
    expect(resolve({ local: true }, ENV)).toEqual({ kind: "local", warnings: [] });
  });

  it.each([{ apiUrl: "https://x.example.com" }, { profile: "staging" }])(
    "refuses --local with %j",
    (flags) => {
      expect(usageError(() => resolve({ local: true, ...flags }))).toMatch(
        /--local and --(api-url|profile) cannot be combined/,
      );
    },
  );
});

describe("warnings and description", () => {
  it("recommends SIFT_API_KEY over --api-key", () => {
    const conn = resolve({ apiUrl: "https://x.example.com", apiKey: "sift_flag_key" });
    expect(conn.warnings.join("\n")).toMatch(/--api-key.*prefer SIFT_API_KEY/);
    expect(conn.warnings.join("\n")).not.toContain("sift_flag_key");
  });

  it("describes a connection without its key", () => {
    const conn = resolve({ profile: "staging" });
    expect(describeConnection(conn)).toBe(
      "https://staging.example.com (URL from profile staging, key from profile staging)",
    );
    expect(describeConnection(resolve({ local: true }))).toContain("local");
  });
});
