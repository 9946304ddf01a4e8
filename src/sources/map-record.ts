import { compareCanonical } from "../time/fast-timestamp.js";
import { convertValue, keyTextOf, type RawValue } from "./convert-value.js";
import { formatOffset } from "../time/instant.js";
import type { DstPolicy } from "../time/zone.js";
import type { FieldRule, FieldValue, TemplatePart } from "./mapping.js";
import {
  checkRunFields,
  type FieldProblem,
  fillDefaults,
  Invalid,
  locateProblems,
  type ManifestItem,
  type MetadataSpec,
  type NullCells,
  quote,
  type Resolution,
  type RunParts,
  type RunSpec,
  setOwn,
  type Source,
  trimCell,
} from "../manifest/index.js";

/** Reads one value out of a record: a CSV row's cells, or a YAML/JSON object. */
export type Getter<R> = (record: R) => unknown;

/** A rule and how to read its value from records of one file. */
export interface BoundRule<R> {
  rule: FieldRule;
  get: Getter<R>;
}

/**
 * Maps records of one file into runs: each rule reads its value, blank and `nulls` values
 * leave the field out (not managed), then the config's defaults fill what is left out and
 * the run's fields are checked together, as for a manifest. Problems name the value's
 * column and the config entry: `Start (startTime, via sift-run-sync.yaml sources[0])`.
 */
export class RecordMapper<R> {
  /** Field → the label of the rule that sets it, for problems found across fields. */
  private readonly labels = new Map<string, string>();
  private readonly hasDefaults: boolean;
  /** How this row's start and stop times were written and read, for messages about both. */
  private readonly start = new TimeCell();
  private readonly stop = new TimeCell();

  constructor(
    private readonly bound: readonly BoundRule<R>[],
    private readonly nulls: NullCells,
    private readonly defaults: RunParts,
  ) {
    for (const { rule } of bound) this.labels.set(rule.name, rule.label);
    this.hasDefaults = Object.keys(defaults).length > 0;
  }

  /**
   * Stop not after start, in the words of the export: both cells as written, the offset each
   * was read with (and the rule that chose it), then the instants in UTC; undefined when a
   * time did not come from a cell (a constant, a default).
   */
  private orderProblem(spec: RunSpec): string | undefined {
    const { start, stop } = this;
    if (!start.read || !stop.read || spec.startTime === undefined || spec.stopTime === undefined) {
      return undefined;
    }
    if (compareCanonical(spec.startTime, spec.stopTime) < 0) return undefined;
    return `${stop.describe()} is not after ${start.describe()}: ${spec.stopTime} vs ${spec.startTime} in UTC (expected startTime < stopTime)`;
  }

  map(record: R, source: Source): ManifestItem {
    // Built in place, without spreads: this runs for every row of million-row exports.
    let spec: RunSpec = new MappedSpec(source);
    let problems: FieldProblem[] | undefined;
    let resolved: Resolution[] | undefined;
    this.start.read = false;
    this.stop.read = false;
    let keyText: string | undefined;
    for (const { rule, get } of this.bound) {
      let value: FieldValue | Invalid | undefined;
      let raw: unknown;
      if (rule.from.kind === "value") value = rule.from.value;
      else {
        raw = blankToUndefined(get(record), this.nulls);
        if (raw === undefined) continue;
        value = raw instanceof Invalid ? raw : convertValue(rule, raw as RawValue);
        if (rule.sanitize && !(raw instanceof Invalid)) keyText = keyTextOf(rule, raw as RawValue);
      }
      if (value === undefined) continue;
      if (value instanceof Invalid) {
        problems ??= [];
        problems.push({ field: rule.label, message: value.message });
        continue;
      }
      if (rule.times !== undefined && rule.from.kind !== "value") {
        const cell = rule.target === "startTime" ? this.start : this.stop;
        cell.note(rule, raw as RawValue);
        if (cell.decidedBy !== undefined) {
          resolved ??= [];
          resolved.push(cell.resolution(rule.target as Resolution["field"]));
        }
      }
      setField(spec, rule, value);
    }
    const clientKey = spec.clientKey;
    if (this.hasDefaults) {
      spec = { ...fillDefaults(spec, this.defaults), clientKey, source } as RunSpec;
    }
    if (clientKey === "" && problems === undefined) {
      const field = this.labels.get("clientKey") ?? "clientKey";
      problems = [{ field, message: "is empty (every run needs a clientKey)" }];
    }
    if (problems === undefined) {
      const found = checkRunFields(spec);
      if (found.length === 0) {
        const item: ManifestItem = resolved
          ? { kind: "run", spec, resolved }
          : { kind: "run", spec };
        if (keyText !== undefined) item.keyText = keyText;
        return item;
      }
      const order = this.orderProblem(spec);
      problems = found.map((p) => {
        const label = p.field === undefined ? undefined : this.labels.get(p.field);
        const message =
          order !== undefined &&
          p.field === "stopTime" &&
          p.message.startsWith(`${spec.stopTime} is not after`)
            ? order
            : p.message;
        return label === undefined ? { ...p, message } : { ...p, field: label, message };
      });
    }
    const item: ManifestItem = {
      kind: "invalid-run",
      source,
      problems: locateProblems(source, problems),
    };
    if (clientKey !== "") item.clientKey = clientKey;
    if (clientKey !== "" && keyText !== undefined) item.keyText = keyText;
    return item;
  }
}

/** How one time of a row was written and read (one per mapper and field, reused per row). */
class TimeCell {
  read = false;
  /** Kept as they are, words made only for a message: this runs for two cells of every row. */
  private rule: FieldRule | undefined = undefined;
  private raw: RawValue = "";
  private offset: number | undefined = undefined;
  decidedBy: DstPolicy | undefined = undefined;

  note(rule: FieldRule, raw: RawValue): void {
    const times = rule.times!;
    this.read = true;
    this.rule = rule;
    this.raw = raw;
    this.offset = times.lastOffset;
    this.decidedBy = times.lastDecidedBy;
  }

  /** `Takeoff "3/10/2024 2:30 AM" (read as -08:00 by dst: later)`, `Landing "..." (-07:00)`. */
  describe(): string {
    const written = this.written();
    if (this.offset === undefined) return written;
    const offset = formatOffset(this.offset);
    return this.decidedBy === undefined
      ? `${written} (${offset})`
      : `${written} (read as ${offset} by dst: ${this.decidedBy})`;
  }

  resolution(field: Resolution["field"]): Resolution {
    const by = `dst: ${this.decidedBy!}`;
    return { field, by, note: `${this.written()} read as ${formatOffset(this.offset!)} by ${by}` };
  }

  /** `Takeoff "3/10/2024 2:30 AM"`: the column (or template) and the text as written. */
  private written(): string {
    const from = this.rule!.from;
    const name =
      from.kind === "column" ? from.column : from.kind === "template" ? quote(from.text) : "";
    return `${name} ${quote(String(this.raw))}`;
  }
}

/**
 * A run spec built with `new`, so V8 reserves room for the fields that rules add one by one
 * (as CsvRunSpec does for our own CSV format).
 */
class MappedSpec {
  clientKey = "";
  constructor(readonly source: Source) {}
}

/** Each field stores through its own setter (run-fields.ts); metadata key by key. */
function setField(spec: RunSpec, rule: FieldRule, value: FieldValue): void {
  if (rule.target !== "metadata") {
    rule.def.set(spec, value);
    return;
  }
  spec.metadata ??= {};
  setOwn(spec.metadata, rule.key, value as MetadataSpec);
}

/** A value as read, or undefined when it means "not managed": absent, null, blank, a null token. */
function blankToUndefined(raw: unknown, nulls: NullCells): unknown {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== "string") return raw;
  const text = trimCell(raw);
  return text === "" || nulls.has(text) ? undefined : text;
}

/** The text of a template, undefined when a column in it is not managed. */
export function fillTemplate<R>(
  parts: readonly (string | Getter<R>)[],
  record: R,
  nulls: NullCells,
): string | Invalid | undefined {
  let text = "";
  for (const part of parts) {
    if (typeof part === "string") {
      text += part;
      continue;
    }
    const value = blankToUndefined(part(record), nulls);
    if (value === undefined) return undefined;
    if (typeof value === "object") {
      return new Invalid(
        "a template can only hold texts, numbers and booleans, got a list or mapping",
      );
    }
    text += String(value);
  }
  return text;
}

/** The parts of a template with each column bound to a getter. */
export function bindTemplate<R>(
  parts: readonly TemplatePart[],
  bind: (column: string) => Getter<R>,
): (string | Getter<R>)[] {
  return parts.map((p) => (typeof p === "string" ? p : bind(p.column)));
}
