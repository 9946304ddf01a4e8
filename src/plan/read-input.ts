import { isSiftClientKey } from "../core/client-key.js";
import { ManifestError } from "../core/errors.js";
import {
  isInvalidRow,
  type ManifestRow,
  readManifestRowBatches,
  validateManifests,
  type ValidationCallbacks,
  type ValidationResult,
  type FileSkips,
  cacheEntryOf,
  ClientKeyRegistry,
} from "../manifest/index.js";
import type { CacheFileSkips } from "../cache/file-skips.js";
import { addNamesInUse, type NamesInUse } from "./names-in-use.js";
import type { ManifestInput, ValidateOptions } from "./options.js";
import { HeldRows } from "./held-rows.js";
import { ReadTracker, type RowsRead } from "./rows-read.js";
import { shardOf } from "./shard.js";

/**
 * The offline step: the manifests (or a sync config's sources) read and checked, before
 * anything asks Sift. Manifest paths and a sync config are told apart here, once.
 */

export interface ManifestRows {
  /** Local times a `dst` rule decided, by rule: what validate shows, for plan and apply to log. */
  resolved: ValidationResult["resolved"];
  files: string[];
  /** Runs in scope (this shard, `only`): valid ones, and invalid ones with `skipInvalid`. */
  runs: number;
  /** Invalid runs in scope (only with `skipInvalid`; otherwise reading them threw). */
  invalid: number;
  /** Keys of `only` that no manifest run has. */
  missingKeys: string[];
  /** Valid runs in scope whose clientKey breaks Sift's rule for new runs (fine if they exist). */
  breakingKeys: number;
  /** Valid runs in the manifests, all shards: none at all makes archiving suspect. */
  allRuns: number;
  /** With `keys`: the clientKeys of this shard's runs, invalid ones included. */
  keys?: Set<string>;
  /** What the valid runs use, to resolve against Sift before diffing. */
  names: NamesInUse;
  /**
   * The runs in scope again, in order: from memory when `held`, else streamed from the files.
   * `skipped: false` leaves out the rows of the files the sync cache stands in for (in sync
   * and unchanged: a check of the rows against Sift has nothing to find in them).
   */
  rows(options?: { skipped?: boolean }): AsyncGenerator<ManifestRow>;
  /** The rows are held in memory (a small manifest, see HeldRows): another pass costs no read. */
  readonly held: boolean;
  /**
   * The held rows are not used again: `rows()` reads the files (a skipped file the sync cache
   * cannot vouch for after all is read then; see CacheFileSkips.settle).
   */
  forgetHeld(): void;
  /**
   * From now on `rows()` takes the files a pass kept (RowReplay) from it, not from the files
   * read again, and `rows({ skipped: false })` yields only its `unknown` rows (its other rows
   * are known in sync).
   */
  replay(kept: { over(skips?: FileSkips): FileSkips; unknown(): Iterable<ManifestRow> }): void;
  /** Whether a clientKey is in this invocation's scope (shard, `only`). */
  inScope: (clientKey: string) => boolean;
  /**
   * The runs of `rows()`, in its order, as their clientKey ("" for none) and `file:line`, from
   * the keys the validating pass recorded: no reading (an apply stopped early names the rows it
   * did not reach). Undefined when too many invalid rows lack a place there to name them all.
   */
  refs?: () => Iterable<{ clientKey: string; source: string }>;
  /** With a sync cache: the files it stood in for, and what it records of the others. */
  skips?: CacheFileSkips;
}

/**
 * `validate`: every file (or source) read and checked offline; the problems are in the
 * result, not thrown.
 *
 * @example
 * const result = await validate({ paths: ["runs.csv"] });
 * for (const p of result.problems) console.error(formatProblem(p));
 */
export function validate(options: ValidateOptions): Promise<ValidationResult> {
  const keyCheck = options.clientKeyCheck ?? options.config?.options.clientKeyCheck ?? "sift";
  return validateInput(options, {
    onRun: options.onRun,
    onWarning: options.onWarning,
    warnClientKeys: keyCheck === "sift",
  });
}

/** What a pass shares with the passes of the same sync: the sync cache's files, the clientKeys. */
interface PassState {
  skips?: FileSkips;
  keys?: ClientKeyRegistry;
}

// sources/ is loaded only for a sync config (`--config`): it loads the yaml package and the
// time-zone code (~50 ms of CPU together), which manifest paths never need.

/** Pass 1 over paths or a config's sources. */
async function validateInput(
  input: Omit<ValidateOptions, "onRun" | "onWarning" | "clientKeyCheck">,
  callbacks: ValidationCallbacks,
  pass: PassState = {},
): Promise<ValidationResult> {
  const read = readOptionsOf(input, pass);
  if (input.config === undefined) {
    return validateManifests(input.paths, {
      ...read,
      csv: input.csv,
      stdin: input.stdin,
      pipes: input.pipes,
      ...callbacks,
    });
  }
  const { validateSources } = await import("../sources/index.js");
  return validateSources(input.config, { ...read, ...callbacks });
}

/** Pass 2 over paths or a config's sources: every row, streamed, a batch at a time. */
async function* readInputRows(
  input: ManifestInput,
  pass: PassState,
): AsyncGenerator<ManifestRow[]> {
  const read = readOptionsOf(input, pass);
  if (input.config === undefined) {
    yield* readManifestRowBatches(input.paths, {
      ...read,
      csv: input.csv,
      stdin: input.stdin,
      pipes: input.pipes,
    });
    return;
  }
  const { readSourceRowBatches } = await import("../sources/index.js");
  yield* readSourceRowBatches(input.config, read);
}

function readOptionsOf(
  input: Pick<ManifestInput, "cwd" | "exclude" | "stdoutFile" | "unicode">,
  { skips, keys }: PassState,
) {
  return {
    cwd: input.cwd,
    exclude: input.exclude,
    stdoutFile: input.stdoutFile,
    unicode: input.unicode,
    ...(skips && { skips }),
    ...(keys && { keys }),
  };
}

/**
 * One pass validates every file (all shards) and collects what the runs in scope use:
 * reading 200,000 rows takes ~1.5 s, so each pass saved counts. Throws a ManifestError for
 * any problem, except, with `skipInvalid`, problems of single runs.
 */
export async function readManifests(
  input: ManifestInput,
  options: {
    keys?: boolean;
    skips?: CacheFileSkips;
    /** Stopped by `readSignal`: the rows read until then, and where it stopped (then it throws). */
    onStopped?: (read: RowsRead) => void;
  } = {},
): Promise<ManifestRows> {
  const { skips, onStopped } = options;
  // NOTE: keys the sync cache holds, or will hold, are kept once: by their index in its table.
  const registry = new ClientKeyRegistry(skips?.registryKeys());
  const names: NamesInUse = { assets: new Set(), metadataKeys: new Set() };
  const inScope = scopeOf(input);
  const seen = input.only && new Set<string>();
  // NOTE: archiving needs the manifests' clientKeys as a set: what the scope holds beyond them.
  const keys = options.keys ? new Set<string>() : undefined;
  let runs = 0;
  let invalid = 0;
  let allRuns = 0;
  let breakingKeys = 0;
  const held = new HeldRows();
  // Cheap (the last row's place, the few invalid rows the registry lacks): kept for every apply.
  const tracker = new ReadTracker(registry, inScope);
  const validation = await validateInput(
    input,
    {
      onRun(spec, resolved) {
        tracker.passed(spec.source);
        skips?.noteRun(spec, resolved);
        allRuns++;
        if (!inScope(spec.clientKey)) return;
        tracker.valid();
        held.add(spec);
        keys?.add(spec.clientKey);
        seen?.add(spec.clientKey);
        addNamesInUse(names, spec);
        runs++;
        if (!isSiftClientKey(spec.clientKey)) breakingKeys++;
      },
      onInvalidRun(clientKey, row) {
        tracker.passed(row.spec.source);
        tracker.invalid(clientKey, row.spec.source);
        skips?.noteTrouble(row.spec.source.file);
        if (clientKey !== undefined && inScope(clientKey)) keys?.add(clientKey);
        if (input.skipInvalid && inScope(clientKey)) {
          invalid++;
          held.add(row);
        }
      },
      onWarning: input.onWarning,
      onEveryWarning: skips && ((warning) => skips.noteTrouble(warning.file)),
      signal: input.readSignal,
      ...(onStopped && { onInterrupted: (files) => onStopped(tracker.read(files)) }),
    },
    { skips, keys: registry },
  );
  // The later passes read the same rows: one registry of their clientKeys for all of them.
  registry.startRereading();
  if (skips) {
    // The skipped files' names are resolved with the others: the cache compares what they resolve to.
    const skipped = skips.namesOfSkipped();
    for (const asset of skipped.assets) names.assets.add(asset);
    for (const key of skipped.metadataKeys) names.metadataKeys.add(key);
  }
  const stops = validation.fileProblems > 0 || (validation.invalidRuns > 0 && !input.skipInvalid);
  if (stops) {
    throw new ManifestError(validation.problems, validation.totalProblems, {
      heldBack: validation.fileProblems > 0 ? undefined : runs,
    });
  }
  const missingKeys = input.only ? [...input.only].filter((key) => !seen!.has(key)) : [];
  const read = tracker.read(validation.files);
  let kept = held.all;
  let replayed: Parameters<ManifestRows["replay"]>[0] | undefined;
  const rows = async function* ({ skipped = true }: { skipped?: boolean } = {}) {
    if (replayed !== undefined && !skipped) return yield* replayed.unknown();
    if (kept !== undefined && skipped) return yield* kept;
    if (kept !== undefined) {
      for (const row of kept)
        if (cacheEntryOf(isInvalidRow(row) ? row.spec : row) === undefined) yield row;
      return;
    }
    const reads =
      replayed !== undefined
        ? replayed.over(skips)
        : skipped || skips === undefined
          ? skips
          : withoutSkipped(skips);
    for await (const batch of readInputRows(input, { skips: reads, keys: registry })) {
      for (let i = 0; i < batch.length; i++) {
        const row = batch[i]!;
        if (inScope(isInvalidRow(row) ? row.spec.clientKey : row.clientKey)) yield row;
      }
    }
  };
  return {
    files: validation.files,
    resolved: validation.resolved,
    runs: runs + invalid,
    invalid,
    missingKeys,
    breakingKeys,
    allRuns,
    ...(keys && { keys }),
    names,
    rows,
    get held() {
      return kept !== undefined;
    },
    forgetHeld() {
      kept = undefined;
    },
    replay(kept) {
      replayed = kept;
    },
    inScope: (clientKey) => inScope(clientKey),
    ...(read.unnamed === 0 && { refs: () => read.rows() }),
    ...(skips && { skips }),
  };
}

/** The same skips, but a skipped file yields no row at all. */
function withoutSkipped(skips: FileSkips): FileSkips {
  return {
    skip: async (file, path, readKey) =>
      (await skips.skip(file, path, readKey)) === undefined ? undefined : [],
    ...(skips.lines && { lines: skips.lines.bind(skips) }),
  };
}

/** Whether a clientKey is in this invocation's scope (shard, `only`). */
function scopeOf(input: ManifestInput): (clientKey: string | undefined) => boolean {
  const { shard, only } = input;
  return (clientKey) => {
    // A run whose clientKey cannot be read is reported by the first shard only.
    if (clientKey === undefined || clientKey === "")
      return only === undefined && (shard?.index ?? 1) === 1;
    if (only !== undefined && !only.has(clientKey)) return false;
    return shard === undefined || shardOf(clientKey, shard.count) === shard.index;
  };
}
