import { toNfc } from "../core/unicode.js";
import type { ConfigPath, ConfigProblem } from "./config-location.js";
import type { FieldObject, FieldSpec, FieldsConfig, SourceEntry } from "./config-schema.js";
import { convertValue } from "./convert-value.js";
import type { FieldRule, Scalar, ValueFrom, ValueMap } from "./mapping.js";
import { isTemplate, parseTemplate } from "./template.js";
import { compileTimeFormat, type TimeFormat } from "../time/compile-format.js";
import { TimeReader } from "../time/time-reader.js";
import { type DstPolicy, isKnownZone, knownZones, ZoneResolver } from "../time/zone.js";
import {
  fieldDef,
  Invalid,
  NAMED_FIELDS,
  quote,
  readMetadataKey,
  type RunField,
  suggestName,
} from "../manifest/index.js";

/** The separator of lists in a cell, as in our own CSV format. */
const DEFAULT_SEPARATOR = ";";
const MAP_DEFAULT = "default";
const LIST_FIELDS = new Set(
  NAMED_FIELDS.filter((f) => f.read === "assets" || f.read === "tags").map((f) => f.name),
);
const TIME_FIELDS = new Set(NAMED_FIELDS.filter((f) => f.read === "timestamp").map((f) => f.name));

/** Compiles the `fields` of source `index` into rules; problems carry their config path. */
export function compileFields(
  entry: SourceEntry & { fields: FieldsConfig },
  at: ConfigPath,
  via: string,
  problems: ConfigProblem[],
): FieldRule[] {
  const rules: FieldRule[] = [];
  const fieldsAt = [...at, "fields"];
  const context = new FieldContext(entry, at, problems);
  for (const [name, spec] of Object.entries(entry.fields)) {
    if (spec === undefined) continue;
    if (name === "metadata") {
      for (const [key, keySpec] of Object.entries(spec as Record<string, FieldSpec>)) {
        const path = [...fieldsAt, "metadata", key];
        const checked = readMetadataKey(key);
        if (checked instanceof Invalid) {
          problems.push({ path, message: checked.message });
          continue;
        }
        const rule = context.compile("metadata", key, keySpec, path, via);
        if (rule) rules.push(rule);
      }
      continue;
    }
    const rule = context.compile(name as RunField, "", spec as FieldSpec, [...fieldsAt, name], via);
    if (rule) rules.push(rule);
  }
  // The source's own time settings are checked even when no field reads times.
  context.checkSourceTimes();
  if (entry.fields.clientKey === undefined) {
    problems.push({
      path: fieldsAt,
      message: 'maps no clientKey (every run needs one, e.g. clientKey: "TS-{Test ID}")',
    });
  }
  return rules;
}

/** The source-wide settings a field falls back on, and where problems go. */
class FieldContext {
  private readonly zones = new Map<string, ZoneResolver>();

  constructor(
    private readonly entry: SourceEntry,
    private readonly at: ConfigPath,
    private readonly problems: ConfigProblem[],
  ) {}

  compile(
    target: RunField,
    key: string,
    spec: FieldSpec,
    path: ConfigPath,
    via: string,
  ): FieldRule | undefined {
    const long: FieldObject =
      typeof spec === "string" ? (isTemplate(spec) ? { template: spec } : { column: spec }) : spec;
    const start = this.problems.length;
    const name = target === "metadata" ? `metadata.${key}` : target;
    this.checkModifiers(target, long, path);
    const from = this.readFrom(long, path);
    const map = this.readMap(long, path);
    const times = TIME_FIELDS.has(target) ? this.readTimes(long, path) : undefined;
    if (from === undefined || this.problems.length > start) return undefined;
    const rule: FieldRule = {
      target,
      def: fieldDef(target),
      key,
      name,
      from,
      map,
      type:
        long.type ??
        (long.decimal === undefined && long.thousands === undefined ? undefined : "number"),
      separator: long.separator ?? DEFAULT_SEPARATOR,
      decimal: long.decimal ?? ".",
      thousands: long.thousands,
      times,
      sanitize: long.sanitize === true,
      label: labelOf(from, name, via),
    };
    if (long.value !== undefined) {
      // A constant is read now, once: its problems belong to the config.
      const value = convertValue(rule, long.value);
      if (value instanceof Invalid) {
        this.problems.push({ path: [...path, "value"], message: value.message });
        return undefined;
      }
      if (value === undefined) return undefined; // mapped to null: not managed
      rule.from = { kind: "value", value };
      rule.map = undefined;
    }
    return rule;
  }

  private readFrom(long: FieldObject, path: ConfigPath): ValueFrom | undefined {
    const given = (["column", "template", "value"] as const).filter((k) => long[k] !== undefined);
    if (given.length !== 1) {
      this.problems.push({
        path,
        message:
          given.length === 0
            ? "needs one of column, template or value"
            : `has ${given.join(" and ")}: expected exactly one of column, template or value`,
      });
      return undefined;
    }
    if (long.column !== undefined) return { kind: "column", column: long.column.trim() };
    if (long.template !== undefined) {
      const parts = parseTemplate(long.template);
      if (typeof parts === "string") {
        this.problems.push({ path, message: `template ${quote(long.template)} ${parts}` });
        return undefined;
      }
      return { kind: "template", text: long.template, parts };
    }
    return { kind: "value", value: "" }; // replaced by the converted constant
  }

  private checkModifiers(target: RunField, long: FieldObject, path: ConfigPath): void {
    const misplaced = (modifier: keyof FieldObject, fits: string) =>
      long[modifier] !== undefined &&
      this.problems.push({ path: [...path, modifier], message: `is only for ${fits}` });
    if (target !== "metadata") {
      misplaced("type", "metadata values (run fields have their own types)");
      misplaced("decimal", "metadata values of type number");
      misplaced("thousands", "metadata values of type number");
    } else if (long.type !== undefined && long.type !== "number") {
      misplaced("decimal", "metadata values of type number");
      misplaced("thousands", "metadata values of type number");
    }
    if (long.thousands !== undefined && long.thousands === (long.decimal ?? ".")) {
      this.problems.push({
        path: [...path, "thousands"],
        message: `is ${quote(long.thousands)}, the decimal mark too (set decimal: "," for 1.234,5)`,
      });
    }
    if (!LIST_FIELDS.has(target)) misplaced("separator", "assets and tags");
    if (target !== "clientKey") misplaced("sanitize", "clientKey");
    if (!TIME_FIELDS.has(target)) {
      misplaced("timeFormat", "startTime and stopTime");
      misplaced("timezone", "startTime and stopTime");
      misplaced("dst", "startTime and stopTime");
    }
  }

  private readMap(long: FieldObject, path: ConfigPath): ValueMap | undefined {
    if (long.map === undefined) return undefined;
    const entries = new Map<string, Scalar | null>();
    let fallback: ValueMap["fallback"];
    for (const [text, value] of Object.entries(long.map)) {
      if (text === MAP_DEFAULT) fallback = { value };
      else entries.set(text, value);
    }
    // An NFD key (a config saved on a Mac) also stands for its NFC form, which texts are tried in.
    for (const [text, value] of [...entries]) {
      const nfc = toNfc(text);
      if (!entries.has(nfc)) entries.set(nfc, value);
    }
    if (entries.size === 0 && fallback === undefined) {
      this.problems.push({ path: [...path, "map"], message: "is empty" });
    }
    return fallback === undefined ? { entries } : { entries, fallback };
  }

  checkSourceTimes(): void {
    if (this.entry.timeFormat !== undefined || this.entry.timezone !== undefined) {
      this.readTimes({}, this.at);
    }
  }

  private readTimes(long: FieldObject, path: ConfigPath): TimeReader | undefined {
    const ownFormat = long.timeFormat !== undefined;
    const formatsAt: ConfigPath = ownFormat ? [...path, "timeFormat"] : [...this.at, "timeFormat"];
    const texts = [long.timeFormat ?? this.entry.timeFormat ?? "iso"].flat();
    const zone = long.timezone ?? this.entry.timezone;
    const zoneAt: ConfigPath =
      long.timezone !== undefined ? [...path, "timezone"] : [...this.at, "timezone"];
    const formats: TimeFormat[] = [];
    texts.forEach((text, i) => {
      const at =
        [long.timeFormat ?? this.entry.timeFormat].flat().length > 1
          ? [...formatsAt, i]
          : formatsAt;
      const format = compileTimeFormat(text);
      if (typeof format === "string") {
        this.problems.push({ path: at, message: `${quote(text)} ${format}` });
        return;
      }
      if (format.kind === "pattern" && !format.hasOffset && zone === undefined) {
        this.problems.push({
          path: at,
          message: `${quote(text)} has no offset (XXX), so the times need a timezone (e.g. timezone: Europe/Berlin on the source)`,
        });
        return;
      }
      if (format.kind === "excel" && zone === undefined) {
        this.problems.push({
          path: at,
          message: `${quote(text)} serials are local times, so they need a timezone (e.g. timezone: Europe/Berlin on the source, or UTC)`,
        });
        return;
      }
      formats.push(format);
    });
    let resolver: ZoneResolver | undefined;
    if (zone !== undefined) {
      resolver = this.zoneResolver(zone, zoneAt, long.dst ?? this.entry.dst ?? "reject");
      if (resolver === undefined) return undefined;
    }
    return formats.length === texts.length ? new TimeReader(formats, resolver) : undefined;
  }

  private zoneResolver(zone: string, at: ConfigPath, dst: DstPolicy): ZoneResolver | undefined {
    // One resolver (and offset cache) per zone and rule; a field's `dst` may differ from its source's.
    const cacheKey = `${dst} ${zone}`;
    let resolver = this.zones.get(cacheKey);
    if (resolver !== undefined) return resolver;
    if (!isKnownZone(zone)) {
      if (!this.problems.some((p) => p.path.join() === at.join())) {
        const suggestion = suggestName(zone, knownZones());
        const hint = suggestion
          ? `did you mean ${quote(suggestion)}?`
          : "expected an IANA zone name such as Europe/Berlin or UTC";
        this.problems.push({ path: at, message: `unknown time zone ${quote(zone)} (${hint})` });
      }
      return undefined;
    }
    resolver = new ZoneResolver(zone, dst);
    this.zones.set(cacheKey, resolver);
    return resolver;
  }
}

function labelOf(from: ValueFrom, name: string, via: string): string {
  switch (from.kind) {
    case "column":
      return `${from.column} (${name}, via ${via})`;
    case "template":
      return `${quote(from.text)} (${name}, via ${via})`;
    case "value":
      return `${name} (via ${via})`;
    default:
      return from satisfies never;
  }
}
