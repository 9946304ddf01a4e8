import { FAULT_KINDS, type FaultKind } from "./types.js";

/**
 * Picks, per request, whether to inject a fault and which. Seeded, so the same seed and the
 * same sequence of requests give the same faults.
 */
export class FaultPicker {
  private readonly random: () => number;
  private readonly kinds: readonly FaultKind[];

  constructor(
    private readonly rate: number,
    seed: number,
    kinds: readonly FaultKind[] = FAULT_KINDS,
  ) {
    this.random = seededRandom(seed);
    this.kinds = kinds.length > 0 ? kinds : FAULT_KINDS;
  }

  pick(): FaultKind | undefined {
    if (this.rate <= 0 || this.random() >= this.rate) return undefined;
    return this.kinds[Math.floor(this.random() * this.kinds.length)];
  }
}

/**
 * A small, well-mixed 32-bit PRNG (mulberry32): same seed, same sequence. Enough for fault
 * sequences and reproducible test scenarios, not for secrets.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `--rps N` as a token bucket: N tokens a second, at most N saved up, so a client that
 * paces itself at N requests a second is never refused and a burst above it is.
 */
export class RateLimiter {
  private tokens: number;
  private last = performance.now();

  constructor(private readonly rps: number) {
    this.tokens = rps;
  }

  /** Takes a token; false when none is left. */
  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.rps, this.tokens + ((now - this.last) / 1000) * this.rps);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
