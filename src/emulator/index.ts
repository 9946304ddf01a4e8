/**
 * The local Sift API: the endpoints of sift-api.md over node:http, for tests, benchmarks
 * and `--local`. Start one with `startEmulator(options)`.
 */

export { startEmulator } from "./start-emulator.js";
export type {
  Emulator,
  EmulatorOptions,
  EmulatorSeed,
  EmulatorStats,
  FaultKind,
  SeedRun,
  WireRun,
} from "./types.js";
