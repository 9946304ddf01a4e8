import type { TimeReader } from "../time/time-reader.js";
import type { MetadataSpec, MetadataType, NamedField, RunField } from "../manifest/index.js";

/**
 * A source's field mapping, compiled from the config: one rule per run field (and per
 * metadata key) saying where its value comes from and how to read it.
 */

export type Scalar = string | number | boolean;

/** A field's value once read: what a RunSpec holds for that field. */
export type FieldValue = string | string[] | boolean | MetadataSpec;

export type ValueFrom =
  /** A column of a CSV file, or a dot path into a YAML/JSON record (`sample.id`). */
  | { kind: "column"; column: string }
  /** `TS-{Test ID}`: literal text and columns. */
  | { kind: "template"; text: string; parts: TemplatePart[] }
  /** A constant, read once when the config is loaded. */
  | { kind: "value"; value: FieldValue };

export type TemplatePart = string | { column: string };

export interface ValueMap {
  entries: ReadonlyMap<string, Scalar | null>;
  /** The map's `default`: the value for any text not in it. */
  fallback?: { value: Scalar | null };
}

export interface FieldRule {
  target: RunField;
  /** The target's entry in the run-field table: how its value is read and stored. */
  def: NamedField;
  /** The metadata key, when `target` is metadata. */
  key: string;
  /** `startTime`, `metadata.passed`: the field as problems name it. */
  name: string;
  from: ValueFrom;
  map: ValueMap | undefined;
  /** A metadata value's declared type. */
  type: MetadataType | undefined;
  /** Between the items of a list (assets, tags) held in one cell. */
  separator: string;
  decimal: "." | ",";
  /** The digit-group separator of a metadata number (`1,234,567.5`), when the field sets one. */
  thousands: "," | "." | " " | "'" | undefined;
  /** For startTime and stopTime. */
  times: TimeReader | undefined;
  /** clientKey with `sanitize: true`: the text is made a key Sift accepts before it is read. */
  sanitize: boolean;
  /** `Start (startTime, via sift-run-sync.yaml sources[0])`: how problems name the value. */
  label: string;
}

export interface Mapping {
  rules: FieldRule[];
  /** Columns (or top-level keys of records) read by no rule, on purpose. */
  ignoreColumns: ReadonlySet<string>;
  /** `sift-run-sync.yaml sources[0]`. */
  via: string;
}

/** The columns a rule reads. */
export function columnsOf(rule: FieldRule): string[] {
  switch (rule.from.kind) {
    case "column":
      return [rule.from.column];
    case "template":
      return rule.from.parts.flatMap((p) => (typeof p === "string" ? [] : [p.column]));
    case "value":
      return [];
    default:
      return rule.from satisfies never;
  }
}
