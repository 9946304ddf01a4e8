import { ManifestError, type Problem } from "../core/errors.js";
import { readRunSpecs, validateManifests } from "../manifest/index.js";
import type { CsvDialect } from "../manifest/csv-dialect.js";
import type { RunSpec } from "../manifest/spec.js";
import { checkSpec } from "./diff.js";
import {
  addNamesInUse,
  fetchKeyTypes,
  type LookupClient,
  type NamesInUse,
  resolveAssetNames,
} from "./lookup.js";
import type { PlanContext } from "./plan-changes.js";
import { filterShard, type Shard, shardOf } from "./shard.js";

/** How many problems are kept in detail; the rest are counted. */
const MAX_KEPT_PROBLEMS = 50;

export interface ManifestInput {
  paths: string[];
  cwd?: string;
  shard?: Shard;
  /** Files a directory never yields: this run's own outputs (`--results`, `--out`). */
  exclude?: readonly string[];
  /** How CSV files are written (`--delimiter`, `--encoding`); default: sniffed, UTF-8. */
  csv?: CsvDialect;
}

export interface Prepared {
  files: string[];
  /** Runs in the manifests (in this shard). */
  runs: number;
  context: PlanContext;
  /** The specs again, streamed from the files (in this shard). */
  specs(): AsyncGenerator<RunSpec>;
}

/**
 * Everything before the per-run lookups: validate the manifests (offline, all files), then
 * resolve the asset names and metadata key types they use in a few batched requests.
 * With `checkRows`, every row is checked against those (unknown asset, wrong metadata type)
 * and any problem stops here, before anything could be written.
 */
export async function prepare(
  input: ManifestInput,
  client: LookupClient,
  options: { checkRows: boolean },
): Promise<Prepared> {
  // One pass validates every file (all shards) and collects what this shard's runs use:
  // reading 200,000 rows takes ~1.5 s, so each pass saved counts.
  const names: NamesInUse = { assets: new Set(), metadataKeys: new Set() };
  let runs = 0;
  const onRun = (spec: RunSpec) => {
    const { shard } = input;
    if (shard !== undefined && shardOf(spec.clientKey, shard.count) !== shard.index) return;
    addNamesInUse(names, spec);
    runs++;
  };
  const validation = await validateManifests(input.paths, {
    cwd: input.cwd,
    exclude: input.exclude,
    csv: input.csv,
    onRun,
  });
  if (validation.problems.length > 0) {
    throw new ManifestError(validation.problems, validation.totalProblems);
  }
  const specs = () =>
    filterShard(
      readRunSpecs(input.paths, { cwd: input.cwd, exclude: input.exclude, csv: input.csv }),
      input.shard,
    );
  const [assetIds, keyTypes] = await Promise.all([
    resolveAssetNames(client, names.assets),
    fetchKeyTypes(client, names.metadataKeys),
  ]);
  const context: PlanContext = { assetIds, keyTypes };
  if (options.checkRows) await checkRows(specs(), context);
  return { files: validation.files, runs, context, specs };
}

async function checkRows(specs: AsyncIterable<RunSpec>, context: PlanContext): Promise<void> {
  // Keys new to the organization take the type of their first use, as they will in Sift.
  const keyTypes = new Map(context.keyTypes);
  const problems: Problem[] = [];
  let total = 0;
  for await (const spec of specs) {
    const found = checkSpec(spec, { assetIds: context.assetIds, keyTypes });
    total += found.problems.length;
    problems.push(...found.problems.slice(0, MAX_KEPT_PROBLEMS - problems.length));
    for (const [key, type] of Object.entries(found.newKeyTypes)) keyTypes.set(key, type);
  }
  if (total > 0) throw new ManifestError(problems, total);
}
