import type { RunSpec } from "../manifest/index.js";
import { celString } from "../sift/cel.js";
import type { KeyTypeName } from "../sift/schemas.js";
import { encodeQueryComponent } from "../sift/url.js";
import { batchDisjunctions, batchInFilters } from "../sift/in-filter.js";
import { metadataLiteral, rangeClause, timeRanges } from "../sift/run-filters.js";
import type { AdoptByRule } from "../core/adopt-by.js";
import { textForms, type UnicodeMode } from "../core/unicode.js";
import { resolveMetadata } from "./metadata.js";

/**
 * The ListRuns filters that find the runs without a clientKey some rows may adopt, with only
 * the filters Sift's own clients use: `name in [...]`, and `>=`/`<=` ranges on times.
 * NOTE: no Sift source shows `in` on timestamp or metadata fields (sift-api.md), so none is
 * sent. The filters only narrow the candidates; `compareOnRules` (agreement.ts) compares every
 * `--adopt-by` field locally, so a server that matched more would change nothing.
 *
 * Which field narrows: `name` when listed (`client_key == null && name in [...]`); else the
 * first listed time, the rows' instants (widened by its tolerance) gathered into bounded
 * ranges; else the first metadata
 * key, as `metadata["k"] == v || ...` (equality on a metadata field, which Sift documents).
 */

/** Sift reads an unset field as null, so the runs that can be adopted are asked for directly. */
const KEYLESS = "client_key == null";

export function keylessFilters(
  specs: readonly RunSpec[],
  adoptBy: readonly AdoptByRule[],
  keyTypes: ReadonlyMap<string, KeyTypeName>,
  budget: number,
  unicode: UnicodeMode = "nfc",
): string[] {
  const prefix = `${KEYLESS} && `;
  const room = budget - encodeQueryComponent(prefix).length;
  if (adoptBy.some((r) => r.field === "name")) {
    const names = new Set<string>();
    for (const spec of specs) {
      if (spec.name === undefined) continue;
      // With nfc, a name Sift holds decomposed (NFD) agrees too: ask for both forms.
      for (const form of unicode === "keep" ? [spec.name] : textForms(spec.name)) names.add(form);
    }
    return batchInFilters("name", names, room).map((filter) => prefix + filter);
  }
  const time = adoptBy.find((r) => r.field === "startTime" || r.field === "stopTime");
  if (time !== undefined) {
    const at = time.field as "startTime" | "stopTime";
    const field = at === "startTime" ? "start_time" : "stop_time";
    const instants = specs.flatMap((s) => (s[at] === undefined ? [] : [s[at]]));
    const ranges = timeRanges(instants, time.toleranceNs);
    return batchDisjunctions(
      prefix,
      ranges.map((range) => rangeClause(field, range)),
      budget,
    );
  }
  const key = adoptBy[0]!.field.slice("metadata.".length);
  const literals = new Set<string>();
  for (const spec of specs) {
    const typed = resolveMetadata(spec, keyTypes, [])?.get(key);
    if (typed !== undefined) literals.add(metadataLiteral(typed.value));
  }
  const access = `metadata[${celString(key)}]`;
  const clauses = [...literals].map((literal) => `${access} == ${literal}`);
  return batchDisjunctions(prefix, clauses, budget);
}
