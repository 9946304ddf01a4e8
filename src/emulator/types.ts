import type { ClientKeyCheck } from "../core/client-key.js";
import { API_OPERATIONS, type ApiOperation } from "../sift/api-operations.js";
import type { EmulatorSeed } from "./seed-types.js";
import type { StoredTag } from "./stored-types.js";
import type { DefaultsMode, WireRun } from "./wire-types.js";

export type { EmulatorSeed, RawMetadataEntry, SeedMetadataValue, SeedRun } from "./seed-types.js";
export type {
  StoredAsset,
  StoredKeyType,
  StoredMetadata,
  StoredMetadataKey,
  StoredRun,
  StoredTag,
  StoredTagRecord,
} from "./stored-types.js";
export {
  type DefaultsMode,
  DEFAULTS_MODES,
  type WireMetadataKey,
  type WireMetadataValue,
  type WireRun,
  type WireTag,
} from "./wire-types.js";

/** The bearer key the emulator wants unless told otherwise (`--api-key`). */
export const DEFAULT_API_KEY = "local";
/** Loopback only, unless told otherwise. */
export const DEFAULT_HOST = "127.0.0.1";
/** NOTE: gRPC's default receive limit, which Sift's gateway meets when an answer is larger. */
export const DEFAULT_MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/** How to start an emulator. Every field is optional; the defaults serve a plain local API. */
export interface EmulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** The bearer key every request must carry. Default `local`. */
  apiKey?: string;
  /**
   * A second key, a viewer's: it may read, but every write it sends is answered 403
   * PERMISSION_DENIED. For tests of writes that fail for good.
   */
  readOnlyApiKey?: string;
  /**
   * Keep state in this file (a JSON snapshot) and `<statePath>.journal` (JSON Lines of the
   * records each write changed, written before the write is answered); compacted into the
   * snapshot on start and close. A version 1 file (one whole document) loads too.
   */
  statePath?: string;
  /**
   * When a write with `statePath` is answered: `write` (default) once its journal lines are
   * written to the file, so a killed emulator keeps it (fdatasync follows in the background);
   * `disk` once they are on disk, so a machine crash keeps it too (each write waits for a sync).
   */
  stateSync?: "write" | "disk";
  /** A seed file (YAML or JSON) or a seed object, applied on start when the state is empty. */
  seed?: string | EmulatorSeed;
  /** Delay added to every request. */
  latencyMs?: number;
  /** Probability (0..1) that a request gets one of the `faultKinds`. */
  faultRate?: number;
  /** Seed of the fault PRNG, so a fault sequence is reproducible. Random when absent. */
  faultSeed?: number;
  /** Which faults `faultRate` picks from. Default: all four. */
  faultKinds?: FaultKind[];
  /**
   * The `Retry-After` header (seconds) of every 429, from `rps` and the `rate-limited`
   * fault. Default `"none"`: no header, as Sift documents its 429s.
   */
  retryAfterSeconds?: number | "none";
  /** Above this many requests per second (token bucket, burst = rps), answer 429. */
  rps?: number;
  /**
   * An answer whose JSON is larger than this many bytes is refused as Sift's gateway refuses
   * a message over gRPC's receive limit: 429 with code 8 and `grpc: received message larger
   * than max (N vs. MAX)`. Default 4 MiB (4194304), gRPC's default.
   */
  maxAnswerBytes?: number;
  /**
   * `false` acts like a Sift deployment from before `runs:validateFilter` (2026-05): that
   * endpoint answers 404. Default true.
   */
  validateFilter?: boolean;
  /**
   * `sift` (the default) refuses a create whose clientKey breaks Sift's rule as Sift does
   * (400, code 3); `off` acts like a deployment that accepts other keys.
   */
  clientKeyCheck?: ClientKeyCheck;
  /**
   * `emit` (the default, as grpc-gateway v2) or `omit` default values in answers. When
   * absent, the environment variable SIFT_EMULATOR_DEFAULTS decides (test suites use it).
   */
  defaults?: DefaultsMode;
  /**
   * Answer 400 to a request body with an unknown field. Otherwise (the default, like
   * grpc-gateway) the field is discarded and counted in `stats().unknownFields`. When
   * absent, SIFT_EMULATOR_STRICT=1 turns it on (the project's test suite sets it).
   */
  strict?: boolean;
}

/**
 * The faults `faultRate` injects:
 * - `unavailable`: 503 with a JSON error (code 14);
 * - `rate-limited`: 429 with `Retry-After` (code 8);
 * - `bad-gateway-html`: 502 with a proxy's HTML page;
 * - `lost-answer`: a write is committed, then the connection is dropped without an answer
 *   (a read just has its connection dropped).
 */
export type FaultKind = "unavailable" | "rate-limited" | "bad-gateway-html" | "lost-answer";
export const FAULT_KINDS: readonly FaultKind[] = [
  "unavailable",
  "rate-limited",
  "bad-gateway-html",
  "lost-answer",
];

/** The operations the emulator serves: those of the client's table, in its order. */
export type Operation = ApiOperation;
export const OPERATIONS = Object.keys(API_OPERATIONS) as readonly Operation[];

export interface EmulatorStats {
  /** Requests received per operation (faulted and throttled ones included). */
  requests: Record<Operation, number>;
  /** Every request received, unknown routes included. */
  total: number;
  /** Writes committed (CreateRun, CreateAdhocRun, UpdateRun that succeeded). */
  writes: number;
  /** The most requests handled at the same time (latency included). */
  maxInFlight: number;
  /** Faults injected by `faultRate`, by kind. */
  faults: Record<FaultKind, number>;
  /** Requests answered 429 by the `rps` limit. */
  throttled: number;
  /** Answers refused for their size (`maxAnswerBytes`). */
  tooLarge: number;
  /**
   * Unknown request-body fields discarded (not strict) or refused (strict), by name with
   * its message path (`CreateRunRequest.colour`, `UpdateRunRequest.run.colour`).
   */
  unknownFields: Record<string, number>;
}

/** A running emulator. */
export interface Emulator {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  port: number;
  /** Stops listening, drops open connections, waits for pending state writes, compacts the state file. */
  close(): Promise<void>;
  /** Every run as the API would emit it (protojson), in creation order. */
  runs(): WireRun[];
  stats(): EmulatorStats;
  resetStats(): void;
  /** Adds assets, metadata keys and runs directly, without HTTP (fast: benchmarks load 1M runs). */
  load(seed: EmulatorSeed): void;
  /**
   * Every tag (id and name), in creation order. Runs and assets name their tags; a filter
   * on `tag_id` compares these ids. A tag is made when a run or asset first names it.
   */
  tags(): StoredTag[];
}
