import { quote } from "../core/invalid.js";
import { daysFromCivil } from "./calendar.js";
import { MatchStep, type Step } from "./match-pattern.js";

/**
 * Time formats of a source (`timeFormat`): `iso`, `epoch-s|ms|us|ns`, `excel`/`excel-1904`
 * (serial date-times), or a pattern of Unicode date field symbols (`dd.MM.yyyy HH:mm`),
 * compiled once into a list of steps that match-pattern.ts matches with plain loops.
 */

const EPOCH_UNITS = { "epoch-s": 0, "epoch-ms": 3, "epoch-us": 6, "epoch-ns": 9 } as const;
type EpochFormat = keyof typeof EPOCH_UNITS;

/** The pattern symbols, for messages. */
const PATTERN_SYMBOLS = "yyyy yy MM M dd d HH H hh h mm m ss s a S…SSSSSSSSS XXX";

/** Excel's two date systems: the local date of serial 0 (see readExcelSerial). */
export const EXCEL_SYSTEMS = {
  excel: daysFromCivil(1899, 12, 30),
  "excel-1904": daysFromCivil(1904, 1, 1),
} as const;
type ExcelFormat = keyof typeof EXCEL_SYSTEMS;

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

export function describeFormat(format: TimeFormat): string {
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
