import { DEFAULT_UNICODE, type UnicodeMode } from "../core/unicode.js";
import { type ExpandSourcesOptions, expandSources, type SourceFile } from "./expand-sources.js";
import { readMappedCsv } from "./read-mapped-csv.js";
import { readMappedRecords } from "./read-mapped-records.js";
import type { SyncConfig } from "./source-config.js";
import {
  cacheEntryOf,
  checkRunFields,
  collectValidation,
  fillDefaults,
  type ClientKeyRegistry,
  type FileSkips,
  type ItemBatch,
  lineHashOf,
  locateProblems,
  type ManifestItem,
  type ManifestRow,
  markDuplicates,
  readManifest,
  rowBatchesOf,
  type RunParts,
  type RunSpec,
  withLineHash,
  specsOf,
  stubBatches,
  type ValidationCallbacks,
  type ValidationResult,
} from "../manifest/index.js";

/**
 * `onOwnFile` hears of each own file a directory or glob skips, in every pass that reads.
 * `unicode` (`--unicode`) wins over the config's `options.unicode`; default nfc.
 */
export type SourceReadOptions = Partial<ExpandSourcesOptions> & {
  unicode?: UnicodeMode;
  /** Files the sync cache stands in for (manifest/file-skips.ts). */
  skips?: FileSkips;
  /** The clientKeys of an earlier pass over the same files (ClientKeyRegistry.startRereading). */
  keys?: ClientKeyRegistry;
};

/**
 * Pass 1 for a sync config, as validateManifests is for manifest paths: reads every source,
 * keeps the clientKeys (for duplicates across all sources) and the first problems.
 *
 * @example
 * const config = await loadSyncConfig("sift-run-sync.yaml", process.cwd());
 * const result = await validateSources(config);
 */
export async function validateSources(
  config: SyncConfig,
  options: SourceReadOptions & ValidationCallbacks = {},
): Promise<ValidationResult> {
  const cwd = options.cwd ?? process.cwd();
  const files = await expandSources(config, { ...expandOptions(options), cwd });
  return collectValidation(
    files.map((f) => f.file),
    markedBatches(files, config, cwd, options),
    options,
  );
}

/** Pass 2: the runs of every source, streaming; callers validate first. */
export async function* readSourceSpecs(
  config: SyncConfig,
  options: SourceReadOptions = {},
): AsyncGenerator<RunSpec> {
  const cwd = options.cwd ?? process.cwd();
  const files = await expandSources(config, { ...expandOptions(options), cwd });
  yield* specsOf(markedBatches(files, config, cwd, options));
}

/**
 * Pass 2 with `--skip-invalid`: like readSourceSpecs, invalid runs yielded in their place; a
 * batch at a time (see rowBatchesOf).
 */
export async function* readSourceRowBatches(
  config: SyncConfig,
  options: SourceReadOptions = {},
): AsyncGenerator<ManifestRow[]> {
  const cwd = options.cwd ?? process.cwd();
  const files = await expandSources(config, { ...expandOptions(options), cwd });
  yield* rowBatchesOf(markedBatches(files, config, cwd, options));
}

/** Every source file's items, with duplicate clientKeys (across all of them) marked. */
function markedBatches(
  files: SourceFile[],
  config: SyncConfig,
  cwd: string,
  options: SourceReadOptions,
): AsyncGenerator<ItemBatch> {
  const unicode = unicodeOf(config, options);
  return markDuplicates(
    readSourceFiles(files, config, cwd, unicode, options.skips),
    unicode,
    options.keys,
  );
}

/** The Unicode mode of a read: the flag, else the config's option, else nfc. */
function unicodeOf(config: SyncConfig, options: SourceReadOptions): UnicodeMode {
  return options.unicode ?? config.options.unicode ?? DEFAULT_UNICODE;
}

function expandOptions(options: SourceReadOptions): Omit<ExpandSourcesOptions, "cwd"> {
  const { exclude, stdoutFile, onOwnFile } = options;
  return { exclude, stdoutFile, onOwnFile };
}

async function* readSourceFiles(
  files: SourceFile[],
  config: SyncConfig,
  cwd: string,
  unicode: UnicodeMode,
  skips: FileSkips | undefined,
): AsyncGenerator<ItemBatch> {
  for (const { source, file, path, format } of files) {
    const readKey = `${config.digest}#${source.index}#${unicode}`;
    const skipped =
      config.digest === undefined ? undefined : await skips?.skip(file, path, readKey);
    if (skipped !== undefined) {
      yield* stubBatches(file, skipped);
      continue;
    }
    const { mapping } = source;
    // A CSV's lines hashed, and matched with the rows the cache knows (manifest/file-skips.ts).
    const lines = config.digest === undefined ? undefined : skips?.lines?.(file, path, readKey);
    if (mapping === undefined) {
      for await (const items of readManifest(
        file,
        cwd,
        { csv: source.csv, encoding: source.encoding, nulls: source.nulls },
        lines,
      )) {
        yield { file, items: withDefaults(items, config.defaults) };
      }
    } else if (format === "csv") {
      for await (const items of readMappedCsv(
        path,
        file,
        source,
        mapping,
        config.defaults,
        config.plainText,
        lines,
      )) {
        yield { file, items };
      }
    } else {
      const items = await readMappedRecords(path, file, format, source, mapping, config.defaults, {
        unicode,
      });
      yield { file, items };
    }
  }
}

/** A manifest's runs with the config's defaults under them (the manifest's own values win). */
function withDefaults(items: ManifestItem[], defaults: RunParts): ManifestItem[] {
  if (Object.keys(defaults).length === 0) return items;
  return items.map((item) => {
    // A stub (a line the cache knows) stands for the row as its defaults made it.
    if (item.kind !== "run" || cacheEntryOf(item.spec) !== undefined) return item;
    const { source, ...parts } = item.spec;
    const merged = fillDefaults(parts, defaults);
    const problems = checkRunFields({ clientKey: item.spec.clientKey, ...merged });
    if (problems.length === 0) {
      const spec: RunSpec = { ...merged, clientKey: item.spec.clientKey, source };
      const line = lineHashOf(item.spec);
      if (line !== undefined) withLineHash(spec, line);
      return { kind: "run", spec };
    }
    return {
      kind: "invalid-run",
      clientKey: item.spec.clientKey,
      source,
      problems: locateProblems(source, problems),
    };
  });
}
