import { Temporal } from "temporal-polyfill";
import { daysFromCivil, formatOffset, SECONDS_PER_DAY } from "./instant.js";

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

/**
 * Local times in one IANA zone → seconds since the epoch, by the zone rules of the Temporal
 * polyfill (the platform's ICU data). Asking Temporal for every row costs ~35 µs; a day
 * without an offset change anywhere near it has one offset, so that is looked up once per
 * local date and cached, and only the days of a change take the slow, exact path.
 */
export class ZoneResolver {
  private readonly offsets = new Map<number, number | null>();

  constructor(
    readonly zone: string,
    private readonly dst: DstPolicy,
  ) {}

  /** Seconds since the epoch of `wall` in this zone, or why there is none. */
  toEpochSeconds(wall: WallTime): number | ZoneProblem {
    const day = daysFromCivil(wall.year, wall.month, wall.day);
    const wallSeconds = day * SECONDS_PER_DAY + wall.hour * 3600 + wall.minute * 60 + wall.second;
    let offset = this.offsets.get(day);
    if (offset === undefined) {
      offset = this.steadyOffset(day);
      if (this.offsets.size >= MAX_CACHED_DAYS) this.offsets.clear();
      this.offsets.set(day, offset);
    }
    return offset === null ? this.exact(wall) : wallSeconds - offset;
  }

  /** The zone's offset on local day `day` when no transition is near it, else null. */
  private steadyOffset(day: number): number | null {
    const from = day * SECONDS_PER_DAY - MARGIN_SECONDS;
    const to = (day + 1) * SECONDS_PER_DAY + MARGIN_SECONDS;
    const start = Temporal.Instant.fromEpochMilliseconds(from * 1000).toZonedDateTimeISO(this.zone);
    const next = start.getTimeZoneTransition("next");
    if (next !== null && next.epochMilliseconds < to * 1000) return null;
    const offsetNs = start.offsetNanoseconds;
    return offsetNs % 1e9 === 0 ? offsetNs / 1e9 : null;
  }

  private exact(wall: WallTime): number | ZoneProblem {
    const local = new Temporal.PlainDateTime(
      wall.year,
      wall.month,
      wall.day,
      wall.hour,
      wall.minute,
      wall.second,
    );
    const earlier = local.toZonedDateTime(this.zone, { disambiguation: "earlier" });
    const later = local.toZonedDateTime(this.zone, { disambiguation: "later" });
    if (earlier.epochMilliseconds !== later.epochMilliseconds && this.dst === "reject") {
      // Either way the earlier instant carries the offset before the change, the later one
      // the offset after it.
      const repeated = earlier.toPlainDateTime().equals(local);
      const earlierOffset = formatOffset(Math.round(earlier.offsetNanoseconds / 1e9));
      const laterOffset = formatOffset(Math.round(later.offsetNanoseconds / 1e9));
      return new ZoneProblem(
        repeated
          ? `is ambiguous in ${this.zone}: that hour happened twice, at ${earlierOffset} and then at ${laterOffset} (set dst: earlier or dst: later on the source)`
          : `does not exist in ${this.zone}: the clocks went forward from ${earlierOffset} to ${laterOffset} (set dst: earlier or dst: later on the source)`,
      );
    }
    const chosen = this.dst === "later" ? later : earlier;
    return Math.floor(chosen.epochMilliseconds / 1000);
  }
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
