import type { Timestamp } from "../core/timestamp.js";
import { readTimestampFast } from "../manifest/fast-timestamp.js";
import { Invalid, quote } from "../manifest/values.js";
import { daysFromCivil, daysInMonth, SECONDS_PER_DAY } from "../manifest/fast-timestamp.js";
import { formatInstant } from "./instant.js";
import { type DstPolicy, type WallTime, ZoneProblem, type ZoneResolver } from "./time-zone.js";

/**
 * Time formats of a source (`timeFormat`): `iso`, `epoch-s|ms|us|ns`, `excel`/`excel-1904`
 * (serial date-times), or a pattern of Unicode date field symbols (`dd.MM.yyyy HH:mm`). A pattern is compiled once into a list of steps
 * and matched with plain loops: it runs for two cells of every row of million-row exports.
 */

const EPOCH_UNITS = { "epoch-s": 0, "epoch-ms": 3, "epoch-us": 6, "epoch-ns": 9 } as const;
type EpochFormat = keyof typeof EPOCH_UNITS;

/** The pattern symbols, for messages. */
const PATTERN_SYMBOLS = "yyyy yy MM M dd d HH H hh h mm m ss s a S…SSSSSSSSS XXX";

/** Excel's two date systems: the local date of serial 0 (see readExcelSerial). */
const EXCEL_SYSTEMS = {
  excel: daysFromCivil(1899, 12, 30),
  "excel-1904": daysFromCivil(1904, 1, 1),
} as const;
type ExcelFormat = keyof typeof EXCEL_SYSTEMS;

type NumberField = "year" | "year2" | "month" | "day" | "hour" | "hour12" | "minute" | "second";
type Step =
  | { kind: "number"; field: NumberField; min: number; max: number }
  | { kind: "fraction"; digits: number }
  | { kind: "literal"; text: string }
  | { kind: "ampm" }
  | { kind: "offset" };

export type TimeFormat =
  | { kind: "iso"; text: string }
  | { kind: "epoch"; text: string; fractionDigits: number }
  | { kind: "excel"; text: string; epochDay: number }
  | { kind: "pattern"; text: string; steps: MatchStep[]; hasOffset: boolean };

/** Symbol → step, for the runs of one letter a pattern may hold. */
const SYMBOLS: Record<string, Step> = {
  yyyy: { kind: "number", field: "year", min: 4, max: 4 },
  yy: { kind: "number", field: "year2", min: 2, max: 2 },
  MM: { kind: "number", field: "month", min: 2, max: 2 },
  M: { kind: "number", field: "month", min: 1, max: 2 },
  dd: { kind: "number", field: "day", min: 2, max: 2 },
  d: { kind: "number", field: "day", min: 1, max: 2 },
  HH: { kind: "number", field: "hour", min: 2, max: 2 },
  H: { kind: "number", field: "hour", min: 1, max: 2 },
  hh: { kind: "number", field: "hour12", min: 2, max: 2 },
  h: { kind: "number", field: "hour12", min: 1, max: 2 },
  mm: { kind: "number", field: "minute", min: 2, max: 2 },
  m: { kind: "number", field: "minute", min: 1, max: 2 },
  ss: { kind: "number", field: "second", min: 2, max: 2 },
  s: { kind: "number", field: "second", min: 1, max: 2 },
  a: { kind: "ampm" },
  XXX: { kind: "offset" },
};

/** Reads a `timeFormat` entry; a string saying what is wrong when it is not one. */
export function compileTimeFormat(text: string): TimeFormat | string {
  if (text === "iso") return { kind: "iso", text };
  if (Object.hasOwn(EPOCH_UNITS, text)) {
    return { kind: "epoch", text, fractionDigits: EPOCH_UNITS[text as EpochFormat] };
  }
  if (Object.hasOwn(EXCEL_SYSTEMS, text)) {
    return { kind: "excel", text, epochDay: EXCEL_SYSTEMS[text as ExcelFormat] };
  }
  const steps: Step[] = [];
  const fields = new Set<string>();
  for (let i = 0; i < text.length;) {
    const c = text[i]!;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end === -1) return `has an unclosed quote at character ${i + 1}`;
      steps.push({ kind: "literal", text: end === i + 1 ? "'" : text.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    if (!/[A-Za-z]/.test(c)) {
      steps.push({ kind: "literal", text: c });
      i++;
      continue;
    }
    let end = i;
    while (text[end] === c) end++;
    const symbol = text.slice(i, end);
    i = end;
    const step: Step | undefined =
      c === "S" && symbol.length <= 9
        ? { kind: "fraction", digits: symbol.length }
        : Object.hasOwn(SYMBOLS, symbol)
          ? SYMBOLS[symbol]
          : undefined;
    if (step === undefined) {
      return `has an unknown symbol ${quote(symbol)} (expected ${PATTERN_SYMBOLS}, other letters in 'quotes')`;
    }
    const field = step.kind !== "number" ? step.kind : step.field === "year2" ? "year" : step.field;
    if (fields.has(field)) return `names the ${fieldName(field)} twice`;
    fields.add(field);
    steps.push(step);
  }
  for (const needed of ["year", "month", "day"]) {
    if (!fields.has(needed)) return `has no ${needed} (expected yyyy (or yy), MM and dd at least)`;
  }
  if (fields.has("hour") && fields.has("hour12")) return "has both HH and hh";
  if (fields.has("hour12") !== fields.has("ampm"))
    return "needs both hh (or h) and a for a 12-hour clock";
  const compiled = mergeLiterals(steps).map((step) => new MatchStep(step));
  return { kind: "pattern", text, steps: compiled, hasOffset: fields.has("offset") };
}

function fieldName(field: string): string {
  return field === "hour12" ? "hour" : field === "ampm" ? "AM/PM" : field;
}

function mergeLiterals(steps: Step[]): Step[] {
  const merged: Step[] = [];
  for (const step of steps) {
    const last = merged[merged.length - 1];
    if (step.kind === "literal" && last?.kind === "literal") last.text += step.text;
    else merged.push(step.kind === "literal" ? { ...step } : step);
  }
  return merged;
}

/** What matchPattern does for a step. */
const enum Op {
  Literal,
  Number,
  Fraction,
  AmPm,
  Offset,
}
const OPS: Record<Step["kind"], Op> = {
  literal: Op.Literal,
  number: Op.Number,
  fraction: Op.Fraction,
  ampm: Op.AmPm,
  offset: Op.Offset,
};
/** Where a number goes in Parsed (see setNumber). */
const SLOTS: Record<NumberField, number> = {
  year: 0,
  month: 1,
  day: 2,
  hour: 3,
  hour12: 4,
  minute: 5,
  second: 6,
  year2: 7,
};

/**
 * A step as matchPattern reads it: one shape for every kind and a numeric op, so the
 * per-character loop for two cells of every row dispatches on a number and stores each
 * field by name (a `parsed[field]` store with varying names was its slowest part).
 */
class MatchStep {
  readonly op: Op;
  /** A literal's UTF-16 code units. */
  readonly codes: number[] = [];
  readonly slot: number = -1;
  /** Digits of a number (at least, at most) or of a fraction (exactly: min = max). */
  readonly min: number = 0;
  readonly max: number = 0;

  constructor(step: Step) {
    this.op = OPS[step.kind];
    if (step.kind === "literal") {
      for (let i = 0; i < step.text.length; i++) this.codes.push(step.text.charCodeAt(i));
    } else if (step.kind === "number") {
      this.slot = SLOTS[step.field];
      this.min = step.min;
      this.max = step.max;
    } else if (step.kind === "fraction") {
      this.min = this.max = step.digits;
    }
  }
}

/** What a cell's text was read as; filled in place (one per reader, not one per row). */
class Parsed implements WallTime {
  year = 0;
  month = 1;
  day = 1;
  hour = 0;
  hour12 = 0;
  pm: boolean | undefined = undefined;
  minute = 0;
  second = 0;
  fraction = "";
  /** Seconds east of UTC, when the text carries an offset. */
  offset: number | undefined = undefined;

  reset(): void {
    this.year = 0;
    this.month = 1;
    this.day = 1;
    this.hour = 0;
    this.hour12 = 0;
    this.pm = undefined;
    this.minute = 0;
    this.second = 0;
    this.fraction = "";
    this.offset = undefined;
  }
}

const NO_MATCH = 0;

/**
 * Reads the times of one field of one source: tries the formats in order; the first that
 * fits the text decides. Texts without an offset are local times in the source's zone.
 */
export class TimeReader {
  private readonly parsed = new Parsed();
  /**
   * Of the last time read: the offset it was read with when a zone placed it or its text
   * held one a pattern read (undefined for RFC 3339 and epoch texts, which say it themselves),
   * and the `dst` rule that chose it, when the local time was skipped or repeated.
   */
  lastOffset: number | undefined = undefined;
  lastDecidedBy: DstPolicy | undefined = undefined;

  constructor(
    readonly formats: readonly TimeFormat[],
    private readonly zone: ZoneResolver | undefined,
  ) {}

  /**
   * The time `text` stands for. `serial` is the value itself when a JSON/YAML record held a
   * number: an Excel serial is read from the double, not from a rounded text of it.
   */
  read(text: string, serial?: number): Timestamp | Invalid {
    this.lastOffset = undefined;
    this.lastDecidedBy = undefined;
    let firstProblem: Invalid | undefined;
    for (const format of this.formats) {
      const result = this.readAs(format, text, serial);
      if (typeof result === "string") return result;
      if (result !== NO_MATCH) firstProblem ??= result;
    }
    if (firstProblem !== undefined) return firstProblem;
    if (this.formats.length === 1) {
      return new Invalid(
        `${quote(text)} is not a time in the format ${describeFormat(this.formats[0]!)}`,
      );
    }
    const names = this.formats.map(describeFormat).join(", ");
    return new Invalid(`${quote(text)} is not a time in any of the formats ${names}`);
  }

  private readAs(
    format: TimeFormat,
    text: string,
    serial: number | undefined,
  ): Timestamp | Invalid | typeof NO_MATCH {
    switch (format.kind) {
      case "iso":
        return this.readIso(text);
      case "epoch":
        return readEpoch(text, format.fractionDigits);
      case "excel": {
        const value = serial ?? (SERIAL.test(text) ? Number(text) : -1);
        return value >= 0 ? this.readExcel(text, value, format.epochDay) : NO_MATCH;
      }
      case "pattern": {
        const parsed = this.parsed;
        parsed.reset();
        if (!matchPattern(format.steps, text, parsed)) return NO_MATCH;
        return this.toTimestamp(text, parsed);
      }
      default:
        return format satisfies never;
    }
  }

  private readIso(text: string): Timestamp | Invalid | typeof NO_MATCH {
    const fast = readTimestampFast(text);
    if (fast !== undefined) return fast;
    const m = ISO.exec(text);
    if (m === null) return NO_MATCH;
    const parsed = this.parsed;
    parsed.reset();
    parsed.year = Number(m[1]);
    parsed.month = Number(m[2]);
    parsed.day = Number(m[3]);
    parsed.hour = Number(m[4]);
    parsed.minute = Number(m[5]);
    parsed.second = m[6] === undefined ? 0 : Number(m[6]);
    parsed.fraction = m[7] ?? "";
    const offset = m[8];
    if (offset !== undefined) {
      const seconds = readOffset(offset);
      if (seconds === undefined) return new Invalid(`${quote(text)} has an offset out of range`);
      parsed.offset = seconds;
    } else if (this.zone === undefined) {
      return new Invalid(
        `${quote(text)} has no time zone (add Z or an offset like +02:00, or set timezone on the source)`,
      );
    }
    return this.toTimestamp(text, parsed);
  }

  /**
   * An Excel serial date-time: days since the system's day 0 (1899-12-30, or 1904-01-01), the
   * fraction the time of day, a local time in the field's zone; rounded to the millisecond,
   * as Excel itself shows no finer (a double holds a 2024 serial to about 10 µs).
   *
   * The 1900 system counts 1900 as a leap year (Lotus 1-2-3's bug, kept by Excel): serial 60
   * is 1900-02-29, a day that never was, and serials 1–59 (1900-01-01 .. 1900-02-28) are one
   * day later than a count from 1899-12-30 says. Those are followed; 60 and serials below 1
   * (Excel's "1900-01-00", a time of day with no date) are errors, as no instant is meant.
   */
  private readExcel(text: string, serial: number, epochDay: number): Timestamp | Invalid {
    const ms = Math.round(serial * MS_PER_DAY);
    let day = Math.floor(ms / MS_PER_DAY);
    const msOfDay = ms - day * MS_PER_DAY;
    if (epochDay === EXCEL_SYSTEMS.excel && day <= 60) {
      if (day === 60) {
        return new Invalid(
          `${quote(text)} is 1900-02-29 in Excel's 1900 date system, a day that did not exist (Excel counts 1900 as a leap year)`,
        );
      }
      if (day < 1) {
        return new Invalid(
          `${quote(text)} is a time of day without a date in Excel's 1900 date system (serial 1 is 1900-01-01)`,
        );
      }
      day += 1;
    }
    if (day > MAX_SERIAL_DAYS)
      return new Invalid(`${quote(text)} is outside 0001-01-01 .. 9999-12-31`);
    const local = (epochDay + day) * SECONDS_PER_DAY + Math.floor(msOfDay / 1000);
    const placed = this.zone?.localToEpochSeconds(local);
    if (placed === undefined) {
      return new Invalid(`${quote(text)} has no time zone (set timezone on the source)`);
    }
    if (placed instanceof ZoneProblem) return new Invalid(`${quote(text)} ${placed.message}`);
    this.notePlacement(this.zone!);
    return (
      formatInstant(placed, String(msOfDay % 1000).padStart(3, "0")) ??
      new Invalid(`${quote(text)} is outside 0001-01-01 .. 9999-12-31`)
    );
  }

  private notePlacement(zone: ZoneResolver): void {
    this.lastOffset = zone.lastOffset;
    this.lastDecidedBy = zone.lastDecided ? zone.dst : undefined;
  }

  /** Checks the fields and places the local time: by its own offset, else in the zone. */
  private toTimestamp(text: string, p: Parsed): Timestamp | Invalid {
    if (p.month < 1 || p.month > 12) return new Invalid(`${quote(text)} has no month ${p.month}`);
    if (p.day < 1 || p.day > daysInMonth(p.year, p.month)) {
      return new Invalid(`${quote(text)} has no day ${p.day} in that month`);
    }
    if (p.pm !== undefined) {
      if (p.hour12 < 1 || p.hour12 > 12) {
        return new Invalid(`${quote(text)} has no hour ${p.hour12} on a 12-hour clock`);
      }
      p.hour = (p.hour12 % 12) + (p.pm ? 12 : 0);
    }
    if (p.hour > 23 || p.minute > 59 || p.second > 59) {
      return new Invalid(`${quote(text)} has a time of day out of range`);
    }
    let seconds: number;
    if (p.offset !== undefined) {
      const wall =
        daysFromCivil(p.year, p.month, p.day) * SECONDS_PER_DAY +
        p.hour * 3600 +
        p.minute * 60 +
        p.second;
      seconds = wall - p.offset;
      this.lastOffset = p.offset;
    } else if (this.zone !== undefined) {
      const placed = this.zone.toEpochSeconds(p);
      if (placed instanceof ZoneProblem) return new Invalid(`${quote(text)} ${placed.message}`);
      seconds = placed;
      this.notePlacement(this.zone);
    } else {
      return new Invalid(`${quote(text)} has no time zone (set timezone on the source)`);
    }
    return (
      formatInstant(seconds, p.fraction) ??
      new Invalid(`${quote(text)} is outside 0001-01-01 .. 9999-12-31`)
    );
  }
}

/** An Excel serial as Excel writes it to CSV: digits, perhaps a fraction (never an exponent). */
const SERIAL = /^\d+(?:\.\d+)?$/;
const MS_PER_DAY = SECONDS_PER_DAY * 1000;
/** Beyond any serial Excel holds (2,958,465 is 9999-12-31), before the zone is asked. */
const MAX_SERIAL_DAYS = 3_000_000;

/** RFC 3339, plus a space for the `T`, optional seconds and no offset (for a zone to place). */
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:\d{2})?$/;

function describeFormat(format: TimeFormat): string {
  switch (format.kind) {
    case "iso":
      return "iso (e.g. 2024-01-31T12:00:00Z)";
    case "epoch":
      return `${format.text} (a number of ${["seconds", "milliseconds", "microseconds", "nanoseconds"][format.fractionDigits / 3]} since 1970)`;
    case "excel":
      return `${format.text} (an Excel serial date-time, e.g. ${format.text === "excel" ? "45362.604166666664" : "43900.604166666664"})`;
    case "pattern":
      return quote(format.text);
    default:
      return format satisfies never;
  }
}

/** `Z` → 0, `+02:00` → 7200; undefined when out of range. */
function readOffset(text: string): number | undefined {
  if (text === "Z" || text === "z") return 0;
  const hours = Number(text.slice(1, 3));
  const minutes = Number(text.slice(4, 6));
  if (hours > 23 || minutes > 59) return undefined;
  return (text[0] === "-" ? -1 : 1) * (hours * 3600 + minutes * 60);
}

const EPOCH = /^([+-]?)(\d+)(?:\.(\d+))?$/;
const NANOS_PER_SECOND = 1_000_000_000n;

/** A count of seconds/ms/µs/ns since the epoch, exactly (as BigInt: ns overflow a double). */
function readEpoch(text: string, unitDigits: number): Timestamp | Invalid | typeof NO_MATCH {
  const m = EPOCH.exec(text);
  if (m === null) return NO_MATCH;
  const [, sign, whole, fraction = ""] = m;
  if (fraction.length > 9 - unitDigits) {
    return new Invalid(`${quote(text)} is more precise than a nanosecond`);
  }
  const scale = 10n ** BigInt(9 - unitDigits);
  const magnitude = BigInt(whole!) * scale + BigInt(fraction.padEnd(9 - unitDigits, "0") || "0");
  const nanos = sign === "-" ? -magnitude : magnitude;
  let seconds = nanos / NANOS_PER_SECOND;
  let rest = nanos - seconds * NANOS_PER_SECOND;
  if (rest < 0n) {
    seconds -= 1n;
    rest += NANOS_PER_SECOND;
  }
  const instant =
    seconds > BigInt(Number.MAX_SAFE_INTEGER) || seconds < -BigInt(Number.MAX_SAFE_INTEGER)
      ? undefined
      : formatInstant(Number(seconds), String(rest).padStart(9, "0"));
  return instant ?? new Invalid(`${quote(text)} is outside 0001-01-01 .. 9999-12-31`);
}

/** Matches `text` against a compiled pattern, filling `out`; false when it does not fit. */
function matchPattern(steps: readonly MatchStep[], text: string, out: Parsed): boolean {
  let at = 0;
  for (let s = 0; s < steps.length; s++) {
    const step = steps[s]!;
    switch (step.op) {
      case Op.Literal: {
        const codes = step.codes;
        for (let i = 0; i < codes.length; i++) {
          if (text.charCodeAt(at + i) !== codes[i]) return false;
        }
        at += codes.length;
        break;
      }
      case Op.Number: {
        let value = 0;
        let n = 0;
        while (n < step.max) {
          const d = text.charCodeAt(at + n) - 48;
          if (!(d >= 0 && d <= 9)) break;
          value = value * 10 + d;
          n++;
        }
        if (n < step.min) return false;
        setNumber(out, step.slot, value);
        at += n;
        break;
      }
      case Op.Fraction: {
        for (let i = 0; i < step.max; i++) {
          const d = text.charCodeAt(at + i) - 48;
          if (!(d >= 0 && d <= 9)) return false;
        }
        out.fraction = text.slice(at, at + step.max);
        at += step.max;
        break;
      }
      case Op.AmPm: {
        // AM/PM in any case, or with dots as English style guides write them: a.m., P.M.
        const first = text.charCodeAt(at) | 0x20;
        if (first !== 0x61 && first !== 0x70) return false; // a p
        const dotted = text.charCodeAt(at + 1) === 0x2e; // .
        const m = at + (dotted ? 2 : 1);
        if ((text.charCodeAt(m) | 0x20) !== 0x6d) return false; // m
        if (dotted && text.charCodeAt(m + 1) !== 0x2e) return false;
        out.pm = first === 0x70;
        at = dotted ? m + 2 : m + 1;
        break;
      }
      case Op.Offset: {
        if (text[at] === "Z" || text[at] === "z") {
          out.offset = 0;
          at += 1;
          break;
        }
        const offset = /^[+-]\d{2}:\d{2}/.exec(text.slice(at, at + 6));
        const seconds = offset === null ? undefined : readOffset(offset[0]);
        if (seconds === undefined) return false;
        out.offset = seconds;
        at += 6;
        break;
      }
      default:
        return step.op satisfies never;
    }
  }
  return at === text.length;
}

function setNumber(out: Parsed, slot: number, value: number): void {
  switch (slot) {
    case 0:
      out.year = value;
      break;
    case 1:
      out.month = value;
      break;
    case 2:
      out.day = value;
      break;
    case 3:
      out.hour = value;
      break;
    case 4:
      out.hour12 = value;
      break;
    case 5:
      out.minute = value;
      break;
    case 6:
      out.second = value;
      break;
    default:
      // Excel's rule for two-digit years: 00–29 are 2000–2029, 30–99 are 1930–1999.
      out.year = value < 30 ? 2000 + value : 1900 + value;
  }
}
