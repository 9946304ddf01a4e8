import { isSiftClientKey } from "../core/client-key.js";
import { ManifestError, type Problem, UsageError } from "../core/errors.js";
import { DEFAULT_UNICODE, type UnicodeMode } from "../core/unicode.js";
import {
  type FileIdentity,
  isInvalidRow,
  type ManifestRow,
  readManifestRows,
  validateManifests,
} from "../manifest/index.js";
import type { CsvDialect } from "../manifest/csv-dialect.js";
import type { ReadOptions } from "../manifest/read-manifest.js";
import type { RunSpec } from "../manifest/spec.js";
import type { ValidationCallbacks } from "../manifest/validate-manifests.js";
import { readSourceRows, type SyncConfig, validateSources } from "../sources/index.js";
import { checkSpec } from "./diff.js";
import {
  addNamesInUse,
  fetchKeyTypes,
  type LookupClient,
  type NamesInUse,
  resolveAssetNames,
} from "./lookup.js";
import type { PlanContext } from "./plan-changes.js";
import { type ArchiveOptions, readScope, type Scope, type ScopeClient } from "./scope.js";
import { type Shard, shardOf } from "./shard.js";

/** How many problems are kept in detail; the rest are counted. */
const MAX_KEPT_PROBLEMS = 50;

export interface ManifestInput {
  /** Manifest files or directories; ignored when `config` is given. */
  paths: string[];
  /** A loaded sync config (`loadSyncConfig`): its sources are read instead of `paths`. */
  config?: SyncConfig;
  cwd?: string;
  shard?: Shard;
  /** Files a directory never yields: this run's own outputs (`--results`, `--out`). */
  exclude?: readonly string[];
  /** The file this command's stdout is redirected to, never read from a directory either. */
  stdoutFile?: FileIdentity;
  /** How CSV files are written (`--delimiter`, `--encoding`); default: sniffed, UTF-8. */
  csv?: CsvDialect;
  /** Only the runs with these clientKeys (`--only`, `--retry-failed`). */
  only?: ReadonlySet<string>;
  /**
   * Invalid runs (by the manifest's own rules, or against Sift) are reported in their place
   * as invalid, and the valid ones planned and applied, instead of stopping everything.
   */
  skipInvalid?: boolean;
  /** What the path `-` reads (standard input, saved to a file). */
  stdin?: ReadOptions["stdin"];
  /** FIFOs named as paths, each saved to a file (see ReadOptions.pipes). */
  pipes?: ReadOptions["pipes"];
  /**
   * Creates assets the organization does not have, returning name → assetId. Only the
   * embedded emulator of `--local` offers this (a newcomer's own exports name assets it has
   * never seen); against Sift an unknown asset stays a problem.
   */
  createAssets?: (names: string[]) => Promise<Map<string, string>>;
  /** Each manifest warning (read as written, likely not meant), once, in the validating pass. */
  onWarning?: (warning: Problem) => void;
  /**
   * `--unicode`: text read and compared in NFC (the default), or byte for byte (`keep`). With a
   * sync config, undefined means its `options.unicode`.
   */
  unicode?: UnicodeMode;
}

export interface ManifestRows {
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
  /** The runs in scope again, streamed from the files, in order. */
  rows(): AsyncGenerator<ManifestRow>;
  /** Whether a clientKey is in this invocation's scope (shard, `only`). */
  inScope: (clientKey: string) => boolean;
}

export interface Prepared extends ManifestRows {
  context: PlanContext;
  /** With `--archive-missing`: the scope against the manifests. */
  scope: Scope | undefined;
}

/**
 * Everything before the per-run lookups: validate the manifests (offline, all files), then
 * resolve the asset names and metadata key types they use in a few batched requests.
 * With `checkRows`, every row is checked against those (unknown asset, wrong metadata type)
 * and any problem stops here, before anything could be written (unless `skipInvalid`).
 */
export async function prepare(
  input: ManifestInput,
  client: ScopeClient,
  options: { checkRows: boolean; archive?: ArchiveOptions },
): Promise<Prepared> {
  const manifests = await readManifests(input, { keys: options.archive !== undefined });
  const [context, scope] = await Promise.all([
    resolveContext(client, manifests.names, input.createAssets, unicodeOfInput(input)),
    options.archive && readManifestScope(client, manifests, options.archive, input),
  ]);
  if (options.checkRows && !input.skipInvalid) await checkRows(manifests, context);
  return { ...manifests, context, scope: scope || undefined };
}

/** `--archive-missing`: the runs of the scope (in this shard) against the manifests' keys. */
export async function readManifestScope(
  client: ScopeClient,
  manifests: ManifestRows,
  archive: ArchiveOptions,
  input: Pick<ManifestInput, "shard">,
): Promise<Scope> {
  if (manifests.keys === undefined) throw new Error("readManifests was not asked for keys");
  return readScope(client, archive.scope, manifests.keys, input.shard);
}

/**
 * One pass validates every file (all shards) and collects what the runs in scope use:
 * reading 200,000 rows takes ~1.5 s, so each pass saved counts. Throws a ManifestError for
 * any problem, except, with `skipInvalid`, problems of single runs.
 */
export async function readManifests(
  input: ManifestInput,
  options: { keys?: boolean } = {},
): Promise<ManifestRows> {
  if (options.keys && input.only !== undefined) {
    // NOTE: the manifests' other runs would look missing, and be archived.
    throw new UsageError(
      "--archive-missing plans every run: it cannot go with --only or --retry-failed",
    );
  }
  const names: NamesInUse = { assets: new Set(), metadataKeys: new Set() };
  const inScope = scopeOf(input);
  const seen = input.only && new Set<string>();
  // NOTE: archiving needs the manifests' clientKeys as a set: what the scope holds beyond them.
  const keys = options.keys ? new Set<string>() : undefined;
  let runs = 0;
  let invalid = 0;
  let allRuns = 0;
  let breakingKeys = 0;
  const callbacks: ValidationCallbacks = {
    onRun(spec) {
      allRuns++;
      if (!inScope(spec.clientKey)) return;
      keys?.add(spec.clientKey);
      seen?.add(spec.clientKey);
      addNamesInUse(names, spec);
      runs++;
      if (!isSiftClientKey(spec.clientKey)) breakingKeys++;
    },
    onInvalidRun(clientKey) {
      if (clientKey !== undefined && inScope(clientKey)) keys?.add(clientKey);
      if (input.skipInvalid && inScope(clientKey)) invalid++;
    },
    onWarning: input.onWarning,
  };
  const read = {
    cwd: input.cwd,
    exclude: input.exclude,
    stdoutFile: input.stdoutFile,
    unicode: input.unicode,
  };
  const validation =
    input.config === undefined
      ? await validateManifests(input.paths, {
          ...read,
          csv: input.csv,
          stdin: input.stdin,
          pipes: input.pipes,
          ...callbacks,
        })
      : await validateSources(input.config, { ...read, ...callbacks });
  const stops = validation.fileProblems > 0 || (validation.invalidRuns > 0 && !input.skipInvalid);
  if (stops) {
    throw new ManifestError(validation.problems, validation.totalProblems, {
      heldBack: validation.fileProblems > 0 ? undefined : runs,
    });
  }
  const missingKeys = input.only ? [...input.only].filter((key) => !seen!.has(key)) : [];
  const rows = async function* () {
    const all =
      input.config === undefined
        ? readManifestRows(input.paths, {
            ...read,
            csv: input.csv,
            stdin: input.stdin,
            pipes: input.pipes,
          })
        : readSourceRows(input.config, read);
    for await (const row of all)
      if (inScope(isInvalidRow(row) ? row.spec.clientKey : row.clientKey)) yield row;
  };
  return {
    files: validation.files,
    runs: runs + invalid,
    invalid,
    missingKeys,
    breakingKeys,
    allRuns,
    ...(keys && { keys }),
    names,
    rows,
    inScope: (clientKey) => inScope(clientKey),
  };
}

/** The Unicode mode of an input: `--unicode`, else its sync config's, else nfc. */
export function unicodeOfInput(input: Pick<ManifestInput, "unicode" | "config">): UnicodeMode {
  return input.unicode ?? input.config?.options.unicode ?? DEFAULT_UNICODE;
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

/** The asset ids and metadata key types the runs use, in a few batched requests. */
export async function resolveContext(
  client: LookupClient,
  names: NamesInUse,
  createAssets?: ManifestInput["createAssets"],
  unicode: UnicodeMode = DEFAULT_UNICODE,
): Promise<PlanContext> {
  const [assets, keyTypes] = await Promise.all([
    resolveAssetNames(client, names.assets, unicode),
    fetchKeyTypes(client, names.metadataKeys, unicode),
  ]);
  const assetIds = assets.ids;
  if (createAssets) {
    const unknown = [...names.assets].filter((name) => !assetIds.has(name));
    if (unknown.length > 0) {
      for (const [name, id] of await createAssets(unknown)) assetIds.set(name, id);
    }
  }
  return {
    assetIds,
    keyTypes: keyTypes.types,
    ...(assets.archived.size > 0 && { archivedAssets: assets.archived }),
    ...(assets.otherForms.size > 0 && { assetOtherForms: assets.otherForms }),
    ...(keyTypes.names.size > 0 && { keyNames: keyTypes.names }),
  };
}

/**
 * Checks every valid row against Sift (unknown asset, metadata of the wrong type): any
 * problem throws, naming how many valid rows it holds back.
 */
export async function checkRows(manifests: ManifestRows, context: PlanContext): Promise<void> {
  // Keys new to the organization take the type of their first use, as they will in Sift.
  const keyTypes = new Map(context.keyTypes);
  const problems: Problem[] = [];
  let total = 0;
  let invalidRuns = 0;
  for await (const row of manifests.rows()) {
    if (isInvalidRow(row)) continue;
    const found = checkSpec(row as RunSpec, {
      assetIds: context.assetIds,
      keyTypes,
      ...(context.assetOtherForms && { assetOtherForms: context.assetOtherForms }),
    });
    if (found.problems.length > 0) invalidRuns++;
    total += found.problems.length;
    problems.push(...found.problems.slice(0, MAX_KEPT_PROBLEMS - problems.length));
    for (const [key, type] of Object.entries(found.newKeyTypes)) keyTypes.set(key, type);
  }
  if (total > 0) {
    throw new ManifestError(problems, total, { heldBack: manifests.runs - invalidRuns });
  }
}
