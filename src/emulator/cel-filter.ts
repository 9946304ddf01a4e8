import { type ASTNode, Environment, type ParseResult } from "@marcbachmann/cel-js";
import { invalidArgument } from "./api-error.js";
import {
  collectIdentifiers,
  findPinnedIndex,
  findPinnedRanges,
  refuseUncertainIn,
} from "./cel-ast.js";
import { rewriteFilter, TIME_COMPARE, UNSET } from "./cel-rewrite.js";
import type { Timestamp } from "../time/timestamp.js";
import { sortableTime } from "./time-text.js";

/**
 * `filter` parameters, evaluated by a real CEL library. A resource declares its filterable
 * fields; a filter is parsed and type-checked once (cached by its text), then evaluated per
 * item. When a top-level conjunct pins an indexed field (`client_key == 'k'`,
 * `client_key in ['a', 'b']`), the index yields the candidates and only the other
 * conjuncts are evaluated on them (a 1000-key `in` is never evaluated item by item).
 */

export interface FilterField<T> {
  /** CEL type: `string`, `bool`, `google.protobuf.Timestamp`, `map<string, dyn>`... */
  celType: string;
  /**
   * The value for one item; `null` when unset: `field == null` matches it, any other
   * comparison with it does not (like SQL's NULL). A timestamp is a `TimeValue`. With
   * `many`, a list: the filter matches if it holds for any element.
   */
  read(item: T): unknown;
  many?: boolean;
}

export interface FilterSchema<T> {
  fields: Record<string, FilterField<T>>;
  /** Fields with an index: a value → the items holding it. */
  indexes: Record<string, (value: string) => T | readonly T[] | undefined>;
  /**
   * Time fields with a sorted index: the items whose value lies in [from, to] (sortableTime
   * keys), for filters that pin a field to ranges (`--adopt-by startTime`'s lookups).
   */
  ranges?: Record<string, (from: string, to: string) => readonly T[]>;
}

export interface CompiledFilter<T> {
  matches(item: T): boolean;
  /**
   * When an index pins the filter: the items that can match, and the filter that remains
   * to be checked on them. Undefined when every item must be scanned.
   */
  narrow(): { candidates: T[]; rest: CompiledFilter<T> } | undefined;
}

/** Compiled filters kept per resource; a batch lookup sends a new text each time. */
const CACHE_SIZE = 256;
/** CEL limits a list literal to 1000 elements by default; URLs bound a filter anyway. */
const MAX_LIST_ELEMENTS = 10_000;

/**
 * A timestamp field's value: a Date (ms, for cel-js, which refuses Date subclasses) that
 * keeps its exact canonical text in a property.
 */
export type TimeValue = Date & { exactText: Timestamp };
export function toTimeValue(ts: Timestamp): TimeValue {
  return Object.assign(new Date(Date.parse(ts)), { exactText: ts });
}

const TIMESTAMP = "google.protobuf.Timestamp";
/** Types whose fields may be unset: `field == null` must type-check for them. */
const NULLABLE_TYPES = ["string", "bool", "int", "double", TIMESTAMP, "google.protobuf.Duration"];

/**
 * Two environments with the fields' types: `checkEnv` also allows `field == null` (so it
 * type-checks the filter as written); `evalEnv` runs the rewritten filter, where
 * `field == null` reads `UNSET` (the unset fields among those used). An unset field is
 * left out of the context, so any other use of it fails and the item does not match.
 */
export class FilterCompiler<T> {
  private readonly checkEnv: Environment;
  private readonly evalEnv: Environment;
  private readonly timeFields: Set<string>;
  private readonly cache = new Map<string, CompiledFilter<T>>();

  constructor(
    private readonly schema: FilterSchema<T>,
    /** Refuse what Sift may not do: `in` over a timestamp or metadata field (see refuseUncertainIn). */
    private readonly strict = false,
  ) {
    const limits = { maxListElements: MAX_LIST_ELEMENTS };
    this.checkEnv = new Environment({ limits });
    this.evalEnv = new Environment({ limits });
    for (const type of NULLABLE_TYPES) this.checkEnv.registerOperator(`${type} == null`, isNull);
    this.evalEnv.registerFunction(
      `${TIME_COMPARE}(${TIMESTAMP}, string, string): bool`,
      compareTime,
    );
    this.evalEnv.registerVariable(UNSET, "list<string>");
    for (const [name, field] of Object.entries(schema.fields)) {
      this.checkEnv.registerVariable(name, field.celType);
      this.evalEnv.registerVariable(name, field.celType);
    }
    this.timeFields = new Set(
      Object.keys(schema.fields).filter((name) => schema.fields[name]!.celType === TIMESTAMP),
    );
  }

  compile(text: string): CompiledFilter<T> {
    const cached = this.cache.get(text);
    if (cached !== undefined) return cached;
    const compiled = text.trim() === "" ? MATCH_ALL : this.build(text);
    if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(text, compiled as CompiledFilter<T>);
    return compiled as CompiledFilter<T>;
  }

  private build(text: string): CompiledFilter<T> {
    const { checked, run: parsed } = this.parse(text);
    const used = collectIdentifiers(checked.ast).filter((id) => id in this.schema.fields);
    const single = used.filter((id) => !this.schema.fields[id]!.many);
    const many = used.filter((id) => this.schema.fields[id]!.many);
    const fields = this.schema.fields;
    const matches = (item: T): boolean => {
      const context: Record<string, unknown> = {};
      for (const id of single) bind(context, id, fields[id]!.read(item));
      if (many.length === 0) return evaluate(parsed, context, used);
      const valuesOf = (id: string) => fields[id]!.read(item) as unknown[];
      return anyCombination(many, valuesOf, context, (c) => evaluate(parsed, c, used));
    };
    const pinned = findPinnedIndex(checked.ast, Object.keys(this.schema.indexes));
    if (pinned === undefined) return { matches, narrow: this.narrowByRanges(checked.ast, matches) };
    const find = this.schema.indexes[pinned.field]!;
    // The other conjuncts, as CEL text cut from the source (each node knows its range).
    const rest = pinned.others.map((node) => `(${text.slice(node.range.start, node.range.end)})`);
    const narrow = () => {
      const found = new Set<T>();
      for (const value of pinned.values) {
        const items = find(value);
        if (Array.isArray(items)) for (const item of items as readonly T[]) found.add(item);
        else if (items !== undefined) found.add(items as T);
      }
      return { candidates: [...found], rest: this.compile(rest.join(" && ")) };
    };
    return { matches, narrow };
  }

  /**
   * When a top-level conjunct holds only ranges of one indexed time field
   * (`(start_time >= timestamp('…') && start_time <= timestamp('…')) || ...`), the items in
   * those ranges, checked against the whole filter; otherwise every item is scanned.
   */
  private narrowByRanges(ast: ASTNode, matches: (item: T) => boolean): CompiledFilter<T>["narrow"] {
    const ranges = this.schema.ranges;
    const pinned = ranges && findPinnedRanges(ast, Object.keys(ranges));
    if (pinned === undefined) return () => undefined;
    const within = ranges![pinned.field]!;
    const whole: CompiledFilter<T> = { matches, narrow: () => undefined };
    return () => {
      const found = new Set<T>();
      for (const [from, to] of pinned.ranges) for (const item of within(from, to)) found.add(item);
      return { candidates: [...found], rest: whole };
    };
  }

  /** Type-checks `text`, then compiles its rewritten form (cel-rewrite.ts) for evaluation. */
  private parse(text: string): { checked: ParseResult; run: ParseResult } {
    let parsed: ParseResult;
    try {
      parsed = this.checkEnv.parse(text);
    } catch (error) {
      throw invalidArgument(`invalid filter: ${describe(error)}`);
    }
    const check = parsed.check();
    if (!check.valid) {
      const fields = Object.keys(this.schema.fields).join(", ");
      throw invalidArgument(`invalid filter: ${describe(check.error)} (fields: ${fields})`);
    }
    if (check.type !== "bool" && check.type !== "dyn") {
      throw invalidArgument(`invalid filter: must be a boolean expression, not ${check.type}`);
    }
    if (this.strict) refuseUncertainIn(parsed.ast, text, this.timeFields);
    const rewritten = rewriteFilter(parsed.ast, text, {
      fields: new Set(Object.keys(this.schema.fields)),
      timeFields: this.timeFields,
    });
    try {
      return { checked: parsed, run: this.evalEnv.parse(rewritten) };
    } catch (error) {
      throw invalidArgument(`invalid filter: ${describe(error)}`);
    }
  }
}

function isNull(a: unknown, b: unknown): boolean {
  return a === null || b === null;
}

/** `field OP literal` at the nanosecond: both sides as fixed-width sortable text. */
function compareTime(value: unknown, op: string, literalKey: string): boolean {
  const exact = (value as Partial<TimeValue>).exactText;
  if (exact === undefined) return false;
  const key = sortableTime(exact);
  switch (op) {
    case "<":
      return key < literalKey;
    case "<=":
      return key <= literalKey;
    case ">":
      return key > literalKey;
    case ">=":
      return key >= literalKey;
    case "==":
      return key === literalKey;
    default:
      return key !== literalKey;
  }
}

const MATCH_ALL: CompiledFilter<unknown> = { matches: () => true, narrow: () => undefined };

/** A CEL error's first line (the rest is a source excerpt with a caret). */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0]!.trim();
}

/** A null value is left out of the context: only `field == null` (via UNSET) sees it. */
function bind(context: Record<string, unknown>, id: string, value: unknown): void {
  if (value === null) delete context[id];
  else context[id] = value;
}

/** An item whose value makes the expression fail (a null field, a missing map key) does not match. */
function evaluate(parsed: ParseResult, context: Record<string, unknown>, used: string[]): boolean {
  context[UNSET] = used.filter((id) => !(id in context));
  try {
    return parsed(context) === true;
  } catch {
    return false;
  }
}

/** For many-valued fields: true if the filter holds for some choice of one value per field. */
function anyCombination(
  ids: string[],
  valuesOf: (id: string) => unknown[],
  context: Record<string, unknown>,
  evaluateWith: (context: Record<string, unknown>) => boolean,
): boolean {
  const [id, ...rest] = ids;
  if (id === undefined) return evaluateWith(context);
  const values = valuesOf(id);
  for (const value of values.length === 0 ? [null] : values) {
    bind(context, id, value);
    if (anyCombination(rest, valuesOf, context, evaluateWith)) return true;
  }
  return false;
}

/**
 * Runs `scan` with stack traces off: CEL reports a null field as a thrown error, and
 * capturing a stack for each of a million non-matching items is most of the cost.
 */
export function withoutStackTraces<R>(scan: () => R): R {
  const saved = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return scan();
  } finally {
    Error.stackTraceLimit = saved;
  }
}
