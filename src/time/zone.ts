import { Temporal } from "temporal-polyfill";
import { daysFromCivil, SECONDS_PER_DAY } from "./calendar.js";
import { formatOffset } from "./instant.js";

/** What to do with a local time the zone's clocks skipped or repeated (a DST change). */
export type DstPolicy = "reject" | "earlier" | "later";

/** A local date and time of day, as read from a cell. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Why a local time has no single instant; the time reader adds the cell's text. */
export class ZoneProblem {
  constructor(readonly message: string) {}
}

/** Days cached per zone; a backfill spans a few thousand. */
const MAX_CACHED_DAYS = 20_000;
/** How far either side of a day a transition makes that day "near one" (offsets reach ±26 h). */
const MARGIN_SECONDS = 2 * SECONDS_PER_DAY;

/** An offset change: at `at` (epoch seconds) the offset went from `before` to `after`. */
interface Transition {
  at: number;
  before: number;
  after: number;
}

/** The offsets around a local day with a transition near it. */
interface ChangingDay {
  /** The offset at the start of the window. */
  initial: number;
  transitions: Transition[];
  /** Every offset in force during the window. */
  offsets: number[];
}

/**
 * Local times in one IANA zone → seconds since the epoch, by the zone rules of the Temporal
 * polyfill (the platform's ICU data). Asking Temporal for every row costs ~35 µs, so the
 * zone's offsets around each local date are looked up once and cached: one offset for a day
 * with no change near it, else the changes themselves, from which a local time's one, two
 * (repeated hour) or no (skipped hour) instants follow by arithmetic.
 */
export class ZoneResolver {
  private readonly days = new Map<number, number | ChangingDay>();
  /**
   * Of the last time placed: its offset (seconds east of UTC), and whether the `dst` rule
   * chose it (a skipped or repeated local time). Read right after a call, so the readers can
   * say which rows a rule decided and quote offsets in messages without a result object per row.
   */
  lastOffset = 0;
  lastDecided = false;
  /**
   * The last span of epoch seconds found without an offset change (from a day's window up to
   * the zone's next transition): a day whose window lies inside it has that offset, with no
   * call into Temporal. Rows come roughly in time order, so a backfill spanning a year asks
   * Temporal about twice per DST period instead of once per day (~0.15 ms each).
   */
  private steady: { from: number; toMs: number; offset: number } | undefined = undefined;

  constructor(
    readonly zone: string,
    readonly dst: DstPolicy,
  ) {}

  /** Seconds since the epoch of `wall` in this zone, or why there is none. */
  toEpochSeconds(wall: WallTime): number | ZoneProblem {
    const day = daysFromCivil(wall.year, wall.month, wall.day);
    return this.localToEpochSeconds(
      day * SECONDS_PER_DAY + wall.hour * 3600 + wall.minute * 60 + wall.second,
    );
  }

  /** The same, for a local time counted in seconds like Unix time (as if it were UTC). */
  localToEpochSeconds(local: number): number | ZoneProblem {
    const day = Math.floor(local / SECONDS_PER_DAY);
    this.lastDecided = false;
    let offsets = this.days.get(day);
    if (offsets === undefined) {
      offsets = this.offsetsNear(day);
      if (this.days.size >= MAX_CACHED_DAYS) this.days.clear();
      this.days.set(day, offsets);
    }
    if (typeof offsets === "number") {
      this.lastOffset = offsets;
      return local - offsets;
    }
    return this.place(local, offsets);
  }

  /** A local time on a day near a change: the instants whose offset gives that local time. */
  private place(local: number, day: ChangingDay): number | ZoneProblem {
    let found: number | undefined;
    let count = 0;
    for (const offset of day.offsets) {
      if (offsetAt(day, local - offset) === offset) {
        found = local - offset;
        count++;
      }
    }
    if (count === 1) {
      this.lastOffset = local - found!;
      return found!;
    }
    // Skipped (no instant) or repeated (two): the change nearest to this local time decides.
    let nearest = day.transitions[0]!;
    for (const t of day.transitions) {
      if (Math.abs(t.at + t.before - local) < Math.abs(nearest.at + nearest.before - local)) {
        nearest = t;
      }
    }
    const { before, after } = nearest;
    if (this.dst !== "reject") {
      this.lastOffset = this.dst === "earlier" ? Math.max(before, after) : Math.min(before, after);
      this.lastDecided = true;
      return local - this.lastOffset;
    }
    return new ZoneProblem(
      count === 0
        ? `does not exist in ${this.zone}: the clocks went forward from ${formatOffset(before)} to ${formatOffset(after)} (set dst: earlier or dst: later on the source)`
        : `is ambiguous in ${this.zone}: that hour happened twice, at ${formatOffset(before)} and then at ${formatOffset(after)} (set dst: earlier or dst: later on the source)`,
    );
  }

  /** The zone's offset on local day `day` when no change is near it, else the changes. */
  private offsetsNear(day: number): number | ChangingDay {
    const from = day * SECONDS_PER_DAY - MARGIN_SECONDS;
    const to = (day + 1) * SECONDS_PER_DAY + MARGIN_SECONDS;
    const steady = this.steady;
    if (steady !== undefined && from >= steady.from && to * 1000 <= steady.toMs) {
      return steady.offset;
    }
    let current = Temporal.Instant.fromEpochMilliseconds(from * 1000).toZonedDateTimeISO(this.zone);
    const initial = wholeSeconds(current.offsetNanoseconds);
    const transitions: Transition[] = [];
    let before = initial;
    for (;;) {
      const next = current.getTimeZoneTransition("next");
      if (next === null || next.epochMilliseconds >= to * 1000) {
        if (transitions.length === 0) {
          const toMs = next === null ? Infinity : next.epochMilliseconds;
          this.steady = { from, toMs, offset: initial };
        }
        break;
      }
      const after = wholeSeconds(next.offsetNanoseconds);
      transitions.push({ at: Math.floor(next.epochMilliseconds / 1000), before, after });
      before = after;
      current = next;
    }
    if (transitions.length === 0) return initial;
    const offsets = [...new Set([initial, ...transitions.map((t) => t.after)])];
    return { initial, transitions, offsets };
  }
}

/** The offset in force at `instant` (epoch seconds) within a day's window. */
function offsetAt(day: ChangingDay, instant: number): number {
  let offset = day.initial;
  for (const t of day.transitions) if (instant >= t.at) offset = t.after;
  return offset;
}

/**
 * Offsets in seconds. Zones had offsets with fractions of a second only in the 19th century
 * (local mean time); those are rounded to the second here.
 */
function wholeSeconds(nanoseconds: number): number {
  return Math.round(nanoseconds / 1e9);
}

/** Whether `zone` is a time zone Temporal knows (an IANA name such as Europe/Berlin, or UTC). */
export function isKnownZone(zone: string): boolean {
  try {
    Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(zone);
    return true;
  } catch {
    return false;
  }
}

/** Every IANA zone name the platform knows, for "did you mean". */
export function knownZones(): string[] {
  return Intl.supportedValuesOf("timeZone");
}
