// The limits of YAML and JSON manifests, apart from the yaml package: a CSV or JSON Lines
// read checks its JSON against them and names them in messages without loading yaml (~33 ms of
// CPU at start-up, docs/performance.md "Start-up").

/**
 * How deep lists and mappings may nest in a YAML or JSON manifest. A manifest needs 4 (the
 * `{defaults, runs}` mapping, the list of runs, a run, its tags or metadata).
 *
 * Why a limit at all: the yaml package composes documents recursively. Some 1,500 levels
 * exhaust the stack, and near that point V8 may abort the whole process ("RegExpCompiler
 * Allocation failed - process out of memory") instead of throwing. Its parser is not
 * recursive but keeps every open level: 100,000 levels (a 200 KB file) take 200 MB, the
 * 4 million an 8 MiB file can open would not fit in memory. So the parser is fed one token at
 * a time and stopped as soon as too many levels are open.
 */
export const MAX_NESTING_DEPTH = 64;

/**
 * YAML and JSON manifests are read whole, and the yaml package needs about 90 MB of memory
 * per MiB of text (`npm run bench:heap`: a 7.7 MiB manifest of 29,000 runs peaked at 718 MB and
 * needs a 768 MB heap); beyond this (some 30,000 runs) a manifest belongs in CSV or JSON
 * Lines, which stream.
 */
export const MAX_YAML_BYTES = 8 * 1024 * 1024;

/** The message of a text that nests deeper than MAX_NESTING_DEPTH. */
export function tooDeepMessage(needs?: string): string {
  return `lists and mappings nested more than ${MAX_NESTING_DEPTH} deep${needs === undefined ? "" : ` (${needs})`}`;
}
