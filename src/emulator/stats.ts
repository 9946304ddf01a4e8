import {
  type EmulatorStats,
  FAULT_KINDS,
  type FaultKind,
  OPERATIONS,
  type Operation,
} from "./types.js";

/** Counters other tests assert on: requests per operation, writes, concurrency, faults. */
export class StatsRecorder {
  private stats = emptyStats();
  private inFlight = 0;

  requestStarted(): void {
    this.stats.total++;
    this.inFlight++;
    if (this.inFlight > this.stats.maxInFlight) this.stats.maxInFlight = this.inFlight;
  }

  requestEnded(): void {
    this.inFlight--;
  }

  routed(operation: Operation): void {
    this.stats.requests[operation]++;
  }

  committed(): void {
    this.stats.writes++;
  }

  faulted(kind: FaultKind): void {
    this.stats.faults[kind]++;
  }

  unknownField(name: string): void {
    this.stats.unknownFields[name] = (this.stats.unknownFields[name] ?? 0) + 1;
  }

  throttled(): void {
    this.stats.throttled++;
  }

  answerTooLarge(): void {
    this.stats.tooLarge++;
  }

  snapshot(): EmulatorStats {
    return structuredClone(this.stats);
  }

  /** Zeroes the counters; requests in flight still count toward the next maximum. */
  reset(): void {
    this.stats = emptyStats();
    this.stats.maxInFlight = this.inFlight;
  }
}

function emptyStats(): EmulatorStats {
  return {
    requests: Object.fromEntries(OPERATIONS.map((op) => [op, 0])) as Record<Operation, number>,
    total: 0,
    writes: 0,
    maxInFlight: 0,
    faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
    throttled: 0,
    tooLarge: 0,
    unknownFields: {},
  };
}
