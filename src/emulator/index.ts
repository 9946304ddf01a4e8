/**
 * The local Sift API: the endpoints of sift-api.md over node:http, for tests, benchmarks
 * and `--local`. Start one with `startEmulator(options)`.
 */

export { MAX_URL_BYTES } from "./http-handler.js";
export { readSeedFile } from "./seed.js";
export { DEFAULT_API_KEY, DEFAULT_HOST, startEmulator } from "./start-emulator.js";
export type {
  Emulator,
  EmulatorOptions,
  EmulatorSeed,
  EmulatorStats,
  FaultKind,
  Operation,
  SeedAsset,
  SeedMetadataKey,
  SeedRun,
  SeedTag,
  StoredTag,
  WireMetadataValue,
  WireRun,
} from "./types.js";
export { FAULT_KINDS, OPERATIONS } from "./types.js";
