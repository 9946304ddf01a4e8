import { stringify } from "yaml";
import { RUN_FIELDS, type RunField } from "./field-names.js";
import { formatSource, type RunSpec } from "./spec.js";
import type { Resolution } from "./manifest-item.js";

/**
 * Writes run specs back as a YAML manifest, as `validate --show` prints them. `source` is
 * not written. (Tests write CSV manifests from specs with test/helpers/render-csv.ts.)
 */

/** Every field but metadata, which is written as a map of its values. */
type CsvField = Exclude<RunField, "metadata">;
const CSV_FIELDS = RUN_FIELDS.filter((f): f is CsvField => f !== "metadata");

/**
 * A YAML manifest (a list of runs) for `specs`. Metadata is written with each value's own
 * YAML type; a declared type is not written (YAML has no place for it).
 */
export function renderYaml(specs: RunSpec[]): string {
  return stringifyRuns(specs.map(toYamlRun));
}

/**
 * Runs as `validate --show` prints them: a YAML manifest (a list of runs), each run under a
 * comment naming where it was read (`# exports/teststand.csv:3`). Typed metadata values
 * keep their type in YAML (a number stays a number, a string that looks like one is quoted).
 */
export function renderShownRuns(
  specs: RunSpec[],
  marks: ReadonlyMap<RunSpec, readonly Resolution[]> = new Map(),
): string {
  if (specs.length === 0) return "# no valid runs to show\n[]\n";
  return specs
    .map(
      (spec) =>
        `# ${escapeComment(formatSource(spec.source))}\n${markFields(renderYaml([spec]), marks.get(spec))}`,
    )
    .join("");
}

/** A comment after each field a rule decided: `startTime: ... # Takeoff "..." read as -08:00 by dst: later`. */
function markFields(yaml: string, resolved: readonly Resolution[] | undefined): string {
  if (resolved === undefined) return yaml;
  let marked = yaml;
  for (const { field, note } of resolved) {
    marked = marked.replace(
      new RegExp(`^(  ${field}: .*)$`, "m"),
      (line) => `${line} # ${escapeComment(note)}`,
    );
  }
  return marked;
}

function escapeComment(text: string): string {
  return text.replace(/[\r\n]/g, " ");
}

function toYamlRun(spec: RunSpec): Record<string, unknown> {
  const run: Record<string, unknown> = {};
  for (const field of CSV_FIELDS) {
    if (spec[field] !== undefined) run[field] = spec[field];
  }
  if (spec.metadata !== undefined) {
    const metadata: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(spec.metadata)) {
      Object.defineProperty(metadata, key, { value: entry.value, enumerable: true });
    }
    run.metadata = metadata;
  }
  return run;
}

function stringifyRuns(runs: Record<string, unknown>[]): string {
  // NOTE: no block scalars: yaml 2.9 writes " \n" as a `|+` block that reads back as "\n".
  return stringify(runs, { lineWidth: 0, blockQuote: false });
}
