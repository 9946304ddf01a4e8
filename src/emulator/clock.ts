import type { Timestamp } from "../time/timestamp.js";

const NANOS_PER_SECOND = 1_000_000_000;

/**
 * Wall-clock time at nanosecond precision that never repeats nor goes back: two writes
 * within one millisecond still get different, increasing `modifiedDate`s, so clients can
 * use it as a version. Numbers, not BigInt: `load()` stamps a million runs.
 */
export class MonotonicClock {
  private lastSec = 0;
  private lastNanos = 0;
  private readonly originSec: number;
  private readonly originNanos: number;
  private cachedSec = Number.NaN;
  private readonly text = Buffer.alloc(30);

  constructor() {
    const wallMs = Date.now();
    const [hrSec, hrNanos] = process.hrtime();
    // origin + hrtime() = wall-clock time, kept as (seconds, nanos) so every number is exact.
    let sec = Math.floor(wallMs / 1000) - hrSec;
    let nanos = (wallMs % 1000) * 1_000_000 - hrNanos;
    if (nanos < 0) {
      sec -= 1;
      nanos += NANOS_PER_SECOND;
    }
    this.originSec = sec;
    this.originNanos = nanos;
  }

  now(): Timestamp {
    const [hrSec, hrNanos] = process.hrtime();
    let sec = this.originSec + hrSec;
    let nanos = this.originNanos + hrNanos;
    if (nanos >= NANOS_PER_SECOND) {
      sec += 1;
      nanos -= NANOS_PER_SECOND;
    }
    if (sec < this.lastSec || (sec === this.lastSec && nanos <= this.lastNanos)) {
      sec = this.lastSec;
      nanos = this.lastNanos + 1;
      if (nanos >= NANOS_PER_SECOND) {
        sec += 1;
        nanos = 0;
      }
    }
    this.lastSec = sec;
    this.lastNanos = nanos;
    return this.format(sec, nanos);
  }

  /** Never answer an instant at or before `ts` (e.g. the newest date of a loaded state). */
  advancePast(ts: Timestamp): void {
    const dot = ts.indexOf(".");
    const whole = dot === -1 ? ts.slice(0, -1) : ts.slice(0, dot);
    const sec = Date.parse(`${whole}Z`) / 1000;
    const nanos = dot === -1 ? 0 : Number(ts.slice(dot + 1, -1).padEnd(9, "0"));
    if (sec > this.lastSec || (sec === this.lastSec && nanos > this.lastNanos)) {
      this.lastSec = sec;
      this.lastNanos = nanos;
    }
  }

  /** Written byte by byte into one buffer: a flat string, no intermediate pieces. */
  private format(sec: number, nanos: number): Timestamp {
    if (sec !== this.cachedSec) {
      this.cachedSec = sec;
      this.text.write(new Date(sec * 1000).toISOString().slice(0, 19), 0, "latin1");
    }
    let end = 19;
    if (nanos !== 0) {
      const width = nanos % 1_000_000 === 0 ? 3 : nanos % 1_000 === 0 ? 6 : 9;
      let rest = Math.floor(nanos / 10 ** (9 - width));
      this.text[end] = 0x2e; // "."
      for (let i = end + width; i > end; i--) {
        this.text[i] = 0x30 + (rest % 10);
        rest = Math.floor(rest / 10);
      }
      end += width + 1;
    }
    this.text[end++] = 0x5a; // "Z"
    return this.text.toString("latin1", 0, end) as Timestamp;
  }
}
