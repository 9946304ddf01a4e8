import type { Problem } from "../core/errors.js";
import { DEFAULT_UNICODE, normalizeText, toNfc, type UnicodeMode } from "../core/unicode.js";
import type { RunSpec } from "../manifest/index.js";
import { readMetadataEntry } from "../sift/metadata-entry.js";
import { METADATA_KEY_TYPE_RELATION, type MetadataValue, type Run } from "../sift/schemas.js";
import type { FieldChange, Warning } from "./change.js";
import { sameTypedValue, type TypedValue, toMetadataValue, unmanagedKey } from "./metadata.js";

/**
 * The metadata list of an UpdateRun. UpdateRun replaces a run's list whole, so the request
 * carries every entry the run keeps, and each one the manifest does not change goes back
 * exactly as Sift sent it (the same JSON): a relation value, an entry of a type or shape this
 * tool does not know, and also a plain value the manifest leaves alone. Only a value the
 * manifest sets is written anew.
 */
export interface MetadataListDiff {
  /** Per key that differs, in the manifest's order, then the keys `replace` removes. */
  changes: FieldChange[];
  list: MetadataValue[];
  /** `replace`: the entries kept because no manifest can manage them, said once for the run. */
  kept: Warning | undefined;
}

/**
 * Metadata per key, by type and value. `merge`: the manifest's keys are set, the others kept;
 * `replace`: the manifest's keys, plus the entries no manifest can express (kept, with a
 * warning): removing them would lose data a manifest could never put back.
 */
export function diffMetadata(
  wanted: ReadonlyMap<string, TypedValue>,
  current: readonly MetadataValue[],
  mode: "merge" | "replace",
  text: MetadataText = {},
): MetadataListDiff {
  const unicode = text.unicode ?? DEFAULT_UNICODE;
  const changed = new Map<string, FieldChange>();
  const removed = new Map<string, FieldChange>();
  const kept: { name: string; relation: boolean }[] = [];
  const list: MetadataValue[] = [];
  /** Keys of the manifest already in `list`. */
  const placed = new Set<string>();
  for (const entry of current) {
    // NOTE: a key Sift holds in NFD is the manifest's NFC key (nfc); its entry keeps Sift's name.
    const name = normalizeText(entry.key.name, unicode);
    const reading = readMetadataEntry(entry);
    const want = wanted.get(name);
    if (want !== undefined) {
      // A second entry of a key the manifest sets (Sift should hold none): one carries the value.
      if (placed.has(name)) continue;
      placed.add(name);
      // NOTE: checkHeldMetadata made a named key holding an unreadable entry a problem.
      const before = reading.kind === "typed" ? siftText(reading.typed, unicode) : undefined;
      if (sameTypedValue(before, want)) list.push(entry);
      else {
        changed.set(name, metadataChange(name, before?.value, want.value));
        list.push(toMetadataValue(entry.key.name, want));
      }
    } else if (reading.kind !== "typed") {
      list.push(entry);
      if (mode === "replace") kept.push({ name, relation: reading.kind === "relation" });
    } else if (mode === "merge") {
      list.push(entry);
    } else if (!removed.has(name)) {
      removed.set(name, metadataChange(name, reading.typed.value, undefined));
    }
  }
  for (const [name, want] of wanted) {
    if (placed.has(name)) continue;
    changed.set(name, metadataChange(name, undefined, want.value));
    list.push(toMetadataValue(text.keyNames?.get(name) ?? name, want));
  }
  const changes = [...wanted.keys()].flatMap((name) => changed.get(name) ?? []);
  changes.push(...removed.values());
  return { changes, list, kept: keptWarning(kept) };
}

/** How metadata text compares: `--unicode`, and keys the organization holds in another form. */
export interface MetadataText {
  unicode?: UnicodeMode;
  /** Manifest key → the organization's name for it, where the two differ in Unicode form. */
  keyNames?: ReadonlyMap<string, string>;
}

/** A string value Sift holds, as the manifest's is compared (NFC unless `keep`). */
function siftText(typed: TypedValue, unicode: UnicodeMode): TypedValue {
  if (typeof typed.value !== "string") return typed;
  const value = normalizeText(typed.value, unicode);
  return value === typed.value ? typed : { ...typed, value };
}

/**
 * A manifest key whose entry on this run no manifest can express (a relation, a type or field
 * this tool does not know) is a problem of the row: setting it would replace data this tool
 * cannot read. Keys the organization lists as such are found by `resolveMetadata` already.
 */
export function checkHeldMetadata(spec: RunSpec, run: Run, problems: Problem[]): void {
  if (spec.metadata === undefined) return;
  for (const entry of run.metadata) {
    // Under NFC too: a key held in NFD is the manifest's key all the same.
    const name = Object.hasOwn(spec.metadata, entry.key.name)
      ? entry.key.name
      : toNfc(entry.key.name);
    if (!Object.hasOwn(spec.metadata, name)) continue;
    const reading = readMetadataEntry(entry);
    if (reading.kind === "typed") continue;
    const problem =
      reading.kind === "relation"
        ? unmanagedKey(spec, name, METADATA_KEY_TYPE_RELATION)
        : {
            file: spec.source.file,
            line: spec.source.line,
            message: `metadata.${name} holds a value in Sift that this tool cannot read (${reading.why}); such values are not managed by manifests`,
          };
    if (!problems.some((p) => p.message === problem.message)) problems.push(problem);
  }
}

function metadataChange(
  name: string,
  before: TypedValue["value"] | undefined,
  after: TypedValue["value"] | undefined,
): FieldChange {
  return { path: "metadata", label: `metadata.${name}`, before, after };
}

function keptWarning(kept: { name: string; relation: boolean }[]): Warning | undefined {
  if (kept.length === 0) return undefined;
  const names = [...new Set(kept.map((k) => `metadata.${k.name}`))];
  const relation = kept.some((k) => k.relation);
  const unknown = kept.some((k) => !k.relation);
  const what = [
    ...(relation ? ["relation values"] : []),
    ...(unknown ? ["values of a type or shape this tool does not know"] : []),
  ].join(" and ");
  return {
    code: "metadata-kept",
    message: `--metadata replace keeps ${names.join(", ")} as Sift has ${names.length === 1 ? "it" : "them"}: ${what} are not managed by manifests`,
  };
}
