import type { WallTime } from "./zone.js";

/**
 * Matching a cell's text against a compiled pattern (compile-format.ts): one numeric op per
 * step and plain loops over char codes, as it runs for two cells of every row of million-row
 * exports. Fills a Parsed in place; checking the fields and placing the time is the reader's.
 */

type NumberField = "year" | "year2" | "month" | "day" | "hour" | "hour12" | "minute" | "second";
export type Step =
  | { kind: "number"; field: NumberField; min: number; max: number }
  | { kind: "fraction"; digits: number }
  | { kind: "literal"; text: string }
  | { kind: "ampm" }
  | { kind: "offset" };

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
export class MatchStep {
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
export class Parsed implements WallTime {
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

/** `Z` → 0, `+02:00` → 7200; undefined when out of range. */
export function readOffset(text: string): number | undefined {
  if (text === "Z" || text === "z") return 0;
  const hours = Number(text.slice(1, 3));
  const minutes = Number(text.slice(4, 6));
  if (hours > 23 || minutes > 59) return undefined;
  return (text[0] === "-" ? -1 : 1) * (hours * 3600 + minutes * 60);
}

/** Matches `text` against a compiled pattern, filling `out`; false when it does not fit. */
export function matchPattern(steps: readonly MatchStep[], text: string, out: Parsed): boolean {
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
