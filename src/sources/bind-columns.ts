import { didYouMean, toNfc } from "../core/unicode.js";
import { type BoundRule, bindTemplate, fillTemplate, type Getter } from "./map-record.js";
import { columnsOf, type Mapping } from "./mapping.js";
import {
  type FieldProblem,
  type NullCells,
  quote,
  RUN_FIELDS,
  suggestName,
} from "../manifest/index.js";

/**
 * Binds a mapping to a CSV header: each column a rule names becomes an index. Columns the
 * mapping names but the file lacks, and columns of the file no rule reads (and
 * `ignoreColumns` does not list), are problems: a renamed column in a new export must not
 * silently stop syncing a field.
 */
export function bindCsvHeader(
  headers: readonly string[],
  mapping: Mapping,
  nulls: NullCells,
): { ok: true; bound: BoundRule<readonly string[]>[] } | { ok: false; problems: FieldProblem[] } {
  const names = headers.map((h) => h.trim());
  const problems: FieldProblem[] = [];
  const used = new Set<number>();
  const missing: string[] = [];
  const indexOf = (column: string): number | undefined => {
    const exact = names.indexOf(column);
    if (exact !== -1) return exact;
    // A header written in NFD (Excel for Mac) names the config's NFC column, and back.
    const nfc = toNfc(column);
    const composed = names.findIndex((n) => toNfc(n) === nfc);
    if (composed !== -1) return composed;
    const folded = nfc.toLowerCase();
    const matches = names.flatMap((n, i) => (toNfc(n).toLowerCase() === folded ? [i] : []));
    return matches.length === 1 ? matches[0] : undefined;
  };
  for (const rule of mapping.rules) {
    for (const column of columnsOf(rule)) {
      const index = indexOf(column);
      if (index !== undefined) {
        used.add(index);
        continue;
      }
      missing.push(column);
      const suggestion = suggestName(column, names);
      const hint = suggestion ? ` (${didYouMean(column, suggestion)})` : "";
      problems.push({
        field: `${column} (${rule.name}, via ${mapping.via})`,
        message: `is not a column of this file${hint}`,
      });
    }
  }
  names.forEach((name, i) => {
    if (used.has(i) || name === "" || mapping.ignoreColumns.has(name)) return;
    problems.push({ field: name, message: unmappedMessage(name, missing, mapping) });
  });
  if (problems.length > 0) return { ok: false, problems };
  const bound = mapping.rules.map((rule) => {
    const from = rule.from;
    if (from.kind === "column") {
      const index = indexOf(from.column)!;
      return { rule, get: (cells: readonly string[]) => cells[index] };
    }
    if (from.kind === "template") {
      const parts = bindTemplate(from.parts, (column): Getter<readonly string[]> => {
        const index = indexOf(column)!;
        return (cells) => cells[index];
      });
      return { rule, get: (cells: readonly string[]) => fillTemplate(parts, cells, nulls) };
    }
    return { rule, get: () => undefined }; // a constant: read once, from the config
  });
  return { ok: true, bound };
}

/** Why a column of the file counts as unmapped, with the likeliest fix. */
export function unmappedMessage(
  name: string,
  missing: readonly string[],
  mapping: Mapping,
): string {
  const typo = suggestName(name, missing);
  if (typo !== undefined) {
    return `is not mapped by ${mapping.via}, which names ${quote(typo)} instead: a typo? (or list it in ignoreColumns)`;
  }
  const mapped = new Set(mapping.rules.map((r) => r.target));
  const field = suggestName(
    name,
    RUN_FIELDS.filter((f) => f !== "metadata" && !mapped.has(f)),
  );
  if (field !== undefined) {
    return `is not mapped by ${mapping.via} (did you mean to map it as ${field}: ${quote(name)}? or list it in ignoreColumns)`;
  }
  return `is not mapped by ${mapping.via} (map it under fields, or list it in ignoreColumns)`;
}
