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
  /** The rules that read startTime and stopTime from the record, for messages about both. */
  private readonly startRule: BoundRule<R> | undefined;
  private readonly stopRule: BoundRule<R> | undefined;

  constructor(
    private readonly bound: readonly BoundRule<R>[],
    private readonly nulls: NullCells,
    private readonly defaults: RunParts,
  ) {
    for (const { rule } of bound) this.labels.set(rule.name, rule.label);
    this.hasDefaults = Object.keys(defaults).length > 0;
    const readsTime = (target: string) =>
      bound.find((b) => b.rule.target === target && isReadTime(b.rule));
    this.startRule = readsTime("startTime");
    this.stopRule = readsTime("stopTime");
  }

  /**
   * Stop not after start, in the words of the export: both cells as written, the offset each
   * was read with (and the rule that chose it), then the instants in UTC; undefined when a
   * time did not come from a cell (a constant, a default).
   */
  private orderProblem(record: R, spec: RunSpec): string | undefined {
    if (spec.startTime === undefined || spec.stopTime === undefined) return undefined;
    if (compareCanonical(spec.startTime, spec.stopTime) < 0) return undefined;
    const start = this.startRule && this.readCell(this.startRule, record);
    const stop = this.stopRule && this.readCell(this.stopRule, record);
    if (start === undefined || stop === undefined) return undefined;
    return `${stop.describe()} is not after ${start.describe()}: ${spec.stopTime} vs ${spec.startTime} in UTC (expected startTime < stopTime)`;
  }

  /**
   * A time cell of `record` read again, for a message: how each row's cells were read is not
   * kept, as only a row with a problem needs it (a time reads the same every time).
   */
  private readCell({ rule, get }: BoundRule<R>, record: R): TimeCell | undefined {
    const raw = blankToUndefined(get(record), this.nulls);
    if (raw === undefined || raw instanceof Invalid) return undefined;
    const value = convertValue(rule, raw as RawValue);
    if (value === undefined || value instanceof Invalid) return undefined;
    return new TimeCell(rule, raw as RawValue);
  }

  map(record: R, source: Source): ManifestItem {
    // Built in place, without spreads: this runs for every row of million-row exports.
    let spec: RunSpec = new MappedSpec(source);
    let problems: FieldProblem[] | undefined;
    let resolved: Resolution[] | undefined;
    let keyText: string | undefined;
    // Indexed loops in the per-row code: a for-of makes an iterator result per step until V8
    // has optimized the loop, and a first pass runs 100,000 rows before it has.
    const bound = this.bound;
    for (let i = 0; i < bound.length; i++) {
      const { rule, get } = bound[i]!;
      let value: FieldValue | Invalid | undefined;
      if (rule.from.kind === "value") value = rule.from.value;
      else {
        const raw = blankToUndefined(get(record), this.nulls);
        if (raw === undefined) continue;
        if (raw instanceof Invalid) value = raw;
        else {
          value = convertValue(rule, raw as RawValue);
          if (rule.sanitize) keyText = keyTextOf(rule, raw as RawValue);
          // A local time a DST change skipped or repeated: the row says which rule decided it.
          if (rule.times?.lastDecided === true && isValue(value)) {
            resolved ??= [];
            resolved.push(new TimeCell(rule, raw as RawValue).resolution());
          }
        }
      }
      if (value === undefined) continue;
      if (value instanceof Invalid) {
        problems ??= [];
        problems.push({ field: rule.label, message: value.message });
        continue;
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
        // One shape for every run, with or without these: a second shape first met at the
        // first row a DST change decided would make V8 drop the optimized code that reads
        // items (markDuplicates, collectValidation) and compile it again.
        return { kind: "run", spec, resolved, keyText };
      }
      const order = this.orderProblem(record, spec);
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

/** Whether a rule reads a time from the record (not a constant). */
function isReadTime(rule: FieldRule): boolean {
  return rule.times !== undefined && rule.from.kind !== "value";
}

function isValue(value: FieldValue | Invalid | undefined): value is FieldValue {
  return value !== undefined && !(value instanceof Invalid);
}

/**
 * How a time of a row was written and read, made right after its rule's reader read it (the
 * reader's last offset and `dst` decision are this cell's).
 */
class TimeCell {
  private readonly offset: number | undefined;
  private readonly decidedBy: DstPolicy | undefined;

  constructor(
    private readonly rule: FieldRule,
    private readonly raw: RawValue,
  ) {
    const times = rule.times!;
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

  resolution(): Resolution {
    const by = `dst: ${this.decidedBy!}`;
    const field = this.rule.target as Resolution["field"];
    return { field, by, note: `${this.written()} read as ${formatOffset(this.offset!)} by ${by}` };
  }

  /** `Takeoff "3/10/2024 2:30 AM"`: the column (or template) and the text as written. */
  private written(): string {
    const from = this.rule.from;
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
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
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
