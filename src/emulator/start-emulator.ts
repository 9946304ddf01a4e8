import { mkdir } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname } from "node:path";
import { Api } from "./api.js";
import { FaultPicker, RateLimiter } from "./faults.js";
import { createHandler, MAX_URL_BYTES, rawJsonAnswer } from "./http-handler.js";
import { applySeed } from "./seed.js";
import { checkSeed, readSeedFile } from "./seed-file.js";
import { StateFile } from "./state-file.js";
import { StatsRecorder } from "./stats.js";
import { Store } from "./store.js";
import {
  DEFAULT_API_KEY,
  DEFAULT_HOST,
  DEFAULT_MAX_ANSWER_BYTES,
  type Emulator,
  type EmulatorOptions,
  DEFAULTS_MODES,
  type DefaultsMode,
  FAULT_KINDS,
} from "./types.js";
import { WireWriter } from "./wire.js";

/**
 * Node refuses request heads over 16 KiB with a bare 431 before any handler runs; a larger
 * parser limit lets the handler answer long URLs with the API's JSON 414 instead.
 */
const MAX_HEADER_BYTES = 256 * 1024;

/** Defaults of `defaults` and `strict` when the options leave them out (the test suites set them). */
const DEFAULTS_ENV = "SIFT_EMULATOR_DEFAULTS";
const STRICT_ENV = "SIFT_EMULATOR_STRICT";

function defaultsMode(options: EmulatorOptions): DefaultsMode {
  const mode = options.defaults ?? process.env[DEFAULTS_ENV] ?? "emit";
  if (!DEFAULTS_MODES.includes(mode as DefaultsMode)) {
    throw new RangeError(`defaults must be emit or omit, got "${mode}"`);
  }
  return mode as DefaultsMode;
}

/**
 * Starts a local Sift API on `host:port` (port 0 = any free port).
 *
 * @example
 * const emulator = await startEmulator({ seed: "fixtures/local-seed.yaml" });
 * await fetch(`${emulator.url}/api/v2/runs`, { headers: { authorization: "Bearer local" } });
 * await emulator.close();
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  checkOptions(options);
  const store = new Store();
  let writer: StateFile | undefined;
  if (options.statePath !== undefined) {
    await mkdir(dirname(options.statePath), { recursive: true });
    writer = await StateFile.open(options.statePath, store, options.stateSync);
  }
  try {
    return await serve(options, store, writer);
  } catch (error) {
    await writer?.close(); // a bad seed, a port in use: the state file is let go
    throw error;
  }
}

async function serve(
  options: EmulatorOptions,
  store: Store,
  writer: StateFile | undefined,
): Promise<Emulator> {
  if (options.seed !== undefined && store.isEmpty()) {
    const seed =
      typeof options.seed === "string" ? await readSeedFile(options.seed) : checkSeed(options.seed);
    applySeed(store, seed);
    await writer?.persist();
  }

  const stats = new StatsRecorder();
  const wire = new WireWriter(defaultsMode(options));
  const strict = options.strict ?? process.env[STRICT_ENV] === "1";
  const api = new Api(
    store,
    wire,
    { strict, onUnknownField: (name) => stats.unknownField(name) },
    { clientKeyCheck: options.clientKeyCheck ?? "sift" },
  );
  const handler = createHandler({
    api,
    stats,
    apiKey: options.apiKey ?? DEFAULT_API_KEY,
    readOnlyApiKey: options.readOnlyApiKey,
    latencyMs: options.latencyMs ?? 0,
    retryAfterSeconds: options.retryAfterSeconds ?? "none",
    faults: options.faultRate
      ? new FaultPicker(
          options.faultRate,
          options.faultSeed ?? Math.floor(Math.random() * 2 ** 32),
          options.faultKinds,
        )
      : undefined,
    limiter: options.rps === undefined ? undefined : new RateLimiter(options.rps),
    persist: writer === undefined ? undefined : () => writer.persist(),
    maxAnswerBytes: options.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES,
    validateFilter: options.validateFilter ?? true,
  });
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
    void handler(req, res);
  });
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const answer =
      error.code === "HPE_HEADER_OVERFLOW"
        ? rawJsonAnswer(414, "URI Too Long", `request head over ${MAX_URL_BYTES} bytes`)
        : rawJsonAnswer(400, "Bad Request", "malformed HTTP request");
    socket.end(answer);
  });

  const host = options.host ?? DEFAULT_HOST;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await writer?.close();
    },
    runs: () => store.runs.map((run) => wire.run(run)),
    tags: () => store.tags.map(({ tagId, name }) => ({ tagId, name })),
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    load(seed) {
      applySeed(store, seed);
      // Saved in the background; close() waits for it.
      writer?.persist().catch(() => {});
    },
  };
}

function checkOptions(options: EmulatorOptions): void {
  const { port, latencyMs, faultRate, rps, retryAfterSeconds, faultKinds, maxAnswerBytes } =
    options;
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new RangeError(`port must be a whole number 0..65535, got ${port}`);
  }
  if (latencyMs !== undefined && !(latencyMs >= 0)) {
    throw new RangeError(`latency must be ≥ 0 ms, got ${latencyMs}`);
  }
  if (faultRate !== undefined && !(faultRate >= 0 && faultRate <= 1)) {
    throw new RangeError(`fault rate must be between 0 and 1, got ${faultRate}`);
  }
  if (rps !== undefined && !(rps > 0)) throw new RangeError(`rps must be > 0, got ${rps}`);
  if (
    maxAnswerBytes !== undefined &&
    !(Number.isSafeInteger(maxAnswerBytes) && maxAnswerBytes > 0)
  ) {
    throw new RangeError(`maxAnswerBytes must be a whole number > 0, got ${maxAnswerBytes}`);
  }
  if (
    retryAfterSeconds !== undefined &&
    retryAfterSeconds !== "none" &&
    !(Number.isInteger(retryAfterSeconds) && retryAfterSeconds >= 0)
  ) {
    throw new RangeError(
      `retryAfterSeconds must be "none" or a whole number ≥ 0, got ${retryAfterSeconds}`,
    );
  }
  for (const kind of faultKinds ?? []) {
    if (!FAULT_KINDS.includes(kind)) throw new RangeError(`unknown fault kind "${kind}"`);
  }
}
