import { UsageError } from "../core/errors.js";
import type { MetadataType } from "../manifest/index.js";
import { batchInFilters } from "../sift/in-filter.js";
import { type AssetFound, LOOKUP_PAGE_SIZE, type LookupClient } from "../sift/lookup.js";
import { filterBudget } from "../sift/in-filter.js";
import type { TextSink } from "../report/plan-report.js";
import { METADATA_KEY_TYPES, type Run } from "../sift/schemas.js";
import { KeyGenerator } from "./generate-keys.js";
import { DEFAULT_KEY_TEMPLATE, type KeyTemplate, parseKeyTemplate } from "./key-template.js";
import {
  checkMetadataKey,
  compareText,
  type ExportFormat,
  runToRow,
  type UnmanagedMetadata,
} from "./run-to-row.js";
import {
  createCsvWriter,
  createYamlWriter,
  type MetadataColumn,
  type RowWriter,
} from "./write-rows.js";

/** What the export needs of the Sift client. */
export interface ExportClient extends LookupClient {
  /** Pages of runs; a page refused for its size is asked for again, smaller (client.ts). */
  listRunPages(
    filter?: string,
    params?: { pageSize?: number; orderBy?: string; prefetch?: boolean },
  ): AsyncIterable<Run[]>;
  /** `POST /api/v2/runs:validateFilter`: the problem with `filter`, or "" when it is valid. */
  validateRunFilter(filter: string): Promise<string>;
}

/** What writeExport needs: the format decided, a sink to write to (see ExportOptions). */
export interface ExportStreamOptions {
  client: ExportClient;
  /** CEL over ListRuns' filter fields, checked with validateFilter before anything is read. */
  filter?: string;
  /** Archived runs are left out unless this is set (`is_archived == false` is added). */
  includeArchived?: boolean;
  format: ExportFormat;
  /** For runs without a clientKey; default `run-{runId}`. */
  keyTemplate?: KeyTemplate;
  out: TextSink;
  /** After each page; a promise it returns is awaited before the next page is written. */
  onProgress?: (progress: { runs: number }) => Promise<void> | void;
}

/** Fields left out of some rows, by field and reason, with a few example keys. */
export interface OmissionCount {
  field: string;
  reason: string;
  count: number;
  examples: string[];
}

export interface ExportResult {
  runs: number;
  /** Runs written with a generated clientKey (and their runId). */
  generatedKeys: number;
  omissions: OmissionCount[];
  /** Runs that could not be written at all (their own clientKey is not a manifest's). */
  skipped: { runId: string; reason: string }[];
  skippedCount: number;
  /** CSV: metadata keys of the organization that have no column (and why). */
  keysWithoutColumn: { key: string; reason: string }[];
  /**
   * Metadata entries no manifest can express (relation values, a type or shape this tool does
   * not know), left out of every row: their keys (sorted), the runs holding one, a few of those.
   */
  unmanagedMetadata: { keys: UnmanagedMetadata[]; runs: number; examples: string[] };
}

/** Runs are paged in creation order: a later export lists new runs last (diff-friendly). */
const EXPORT_ORDER = "created_date";
const MAX_EXAMPLES = 3;
const MAX_LISTED_SKIPS = 50;

/**
 * Writes Sift's runs as a manifest that `plan` reads back as "no changes" (runs without a
 * clientKey become adoptions under a generated key). Streams: one page of runs at a time,
 * the next page requested while the current one is written.
 *
 * CSV needs its columns before the first row: they are the organization's metadata keys
 * (ListMetadataKeys, one short pass), so a column may stay blank in every row. YAML needs no
 * such pass.
 *
 * @example
 * const result = await writeExport({ client, format: "yaml", out: process.stdout });
 */
export async function writeExport(options: ExportStreamOptions): Promise<ExportResult> {
  const { client, format } = options;
  if (options.filter !== undefined) await checkFilter(client, options.filter);
  const filter = composeFilter(options.filter, options.includeArchived === true);
  const result: ExportResult = {
    runs: 0,
    generatedKeys: 0,
    omissions: [],
    skipped: [],
    skippedCount: 0,
    keysWithoutColumn: [],
    unmanagedMetadata: { keys: [], runs: 0, examples: [] },
  };
  const unmanagedKeys = new Map<string, UnmanagedMetadata>();
  let writer: RowWriter;
  let metadataColumns: Set<string> | undefined;
  if (format === "csv") {
    const columns = await listMetadataColumns(client, result);
    metadataColumns = new Set(columns.map((c) => c.key));
    writer = createCsvWriter(options.out, columns);
  } else {
    writer = createYamlWriter(options.out);
  }
  const keys = new KeyGenerator(
    client,
    options.keyTemplate ?? parseKeyTemplate(DEFAULT_KEY_TEMPLATE),
  );
  const assetNames = new AssetNames(client);
  const omissions = new Map<string, OmissionCount>();

  // The next page is requested while the current one is written.
  const pages = client.listRunPages(filter || undefined, {
    pageSize: LOOKUP_PAGE_SIZE,
    orderBy: EXPORT_ORDER,
    prefetch: true,
  });
  for await (const runs of pages) {
    const keyless = runs.filter((r) => r.clientKey === undefined);
    const [generated] = await Promise.all([keys.keysFor(keyless), assetNames.resolve(runs)]);
    for (const run of runs) {
      const clientKey = run.clientKey ?? generated.get(run.runId);
      if (clientKey === undefined) {
        skip(result, run.runId, "no free clientKey could be generated (see --key-template)");
        continue;
      }
      const outcome = runToRow(run, {
        format,
        clientKey,
        generated: run.clientKey === undefined,
        assetNames: assetNames.known,
        reusedAssetNames: assetNames.reused,
        metadataColumns,
      });
      if (outcome.kind === "skipped") {
        skip(result, run.runId, outcome.reason);
        continue;
      }
      writer.write(outcome.row);
      result.runs++;
      if (outcome.row.runId !== undefined) result.generatedKeys++;
      for (const o of outcome.omitted) countOmission(omissions, o, clientKey);
      if (outcome.unmanaged.length > 0) {
        for (const u of outcome.unmanaged)
          if (!unmanagedKeys.has(u.key)) unmanagedKeys.set(u.key, u);
        const noted = result.unmanagedMetadata;
        noted.runs++;
        if (noted.examples.length < MAX_EXAMPLES) noted.examples.push(clientKey);
      }
    }
    await options.onProgress?.({ runs: result.runs });
  }
  writer.end();
  result.omissions = [...omissions.values()];
  result.unmanagedMetadata.keys = [...unmanagedKeys.values()].sort((a, b) =>
    compareText(a.key, b.key),
  );
  return result;
}

/** `--filter`, and `is_archived == false` unless archived runs are wanted. */
function composeFilter(filter: string | undefined, includeArchived: boolean): string {
  const archived = includeArchived ? undefined : "is_archived == false";
  if (filter === undefined || filter.trim() === "") return archived ?? "";
  // The line break ends a trailing `//` comment in the user's filter.
  return archived === undefined ? filter : `(${filter}\n) && ${archived}`;
}

async function checkFilter(client: ExportClient, filter: string): Promise<void> {
  if (filter.trim() === "")
    throw new UsageError("--filter is empty (leave it out to export every run)");
  const problem = await client.validateRunFilter(filter);
  if (problem !== "")
    throw new UsageError(
      `--filter ${JSON.stringify(filter)} is not a valid run filter: ${problem}`,
    );
}

/** CSV columns: every metadata key of the organization a manifest column can name. */
async function listMetadataColumns(
  client: ExportClient,
  result: ExportResult,
): Promise<MetadataColumn[]> {
  const columns: MetadataColumn[] = [];
  for await (const key of client.listAllMetadataKeys()) {
    const type = PLAIN_TYPE[key.type];
    // A relation key (or one of a type this tool does not know) has no column: the runs that
    // hold one are named by the one note about unmanaged metadata.
    if (type === undefined) continue;
    const problem = checkMetadataKey(key.name, "csv");
    if (problem !== undefined) {
      result.keysWithoutColumn.push({ key: key.name, reason: problem });
    } else if (!columns.some((c) => c.key === key.name)) {
      columns.push({ key: key.name, type });
    }
  }
  return columns.sort((a, b) => compareText(a.key, b.key));
}

const PLAIN_TYPE: Record<string, MetadataType> = {
  [METADATA_KEY_TYPES.string]: "string",
  [METADATA_KEY_TYPES.number]: "number",
  [METADATA_KEY_TYPES.boolean]: "boolean",
};

/**
 * Asset id → name, resolved in `asset_id in [...]` batches for the ids a page holds that are
 * not known yet. Kept for the whole export: an organization has far fewer assets than runs.
 * NOTE: a name can be reused once its asset is archived, and a manifest's name means the live
 * asset: an archived asset whose name a live asset now holds has no manifest form (`reused`).
 */
class AssetNames {
  readonly known = new Map<string, string>();
  /** Archived asset id → its name, which a live asset now holds. */
  readonly reused = new Map<string, string>();
  private readonly missing = new Set<string>();

  constructor(private readonly client: LookupClient) {}

  async resolve(runs: readonly Run[]): Promise<void> {
    const wanted = new Set<string>();
    for (const run of runs) {
      for (const id of run.assetIds) {
        if (!this.known.has(id) && !this.reused.has(id) && !this.missing.has(id)) wanted.add(id);
      }
    }
    if (wanted.size === 0) return;
    const archived = new Map<string, string>();
    await this.eachAsset("asset_id", wanted, (asset) => {
      if (!wanted.has(asset.assetId)) return;
      this.known.set(asset.assetId, asset.name);
      if (asset.isArchived === true || (asset.archivedDate ?? null) !== null) {
        archived.set(asset.assetId, asset.name);
      }
    });
    for (const id of wanted) if (!this.known.has(id)) this.missing.add(id);
    if (archived.size === 0) return;
    const liveNames = new Set<string>();
    await this.eachAsset("name", new Set(archived.values()), (asset) => {
      if (asset.isArchived !== true && (asset.archivedDate ?? null) === null) {
        liveNames.add(asset.name);
      }
    });
    for (const [id, name] of archived) {
      if (!liveNames.has(name)) continue;
      this.known.delete(id);
      this.reused.set(id, name);
    }
  }

  private async eachAsset(
    field: "asset_id" | "name",
    values: Set<string>,
    visit: (asset: AssetFound) => void,
  ): Promise<void> {
    const filters = batchInFilters(field, values, filterBudget(this.client, "ListAssets"));
    await Promise.all(
      filters.map(async (filter) => {
        for await (const asset of this.client.listAllAssets(filter, {
          pageSize: LOOKUP_PAGE_SIZE,
        })) {
          visit(asset);
        }
      }),
    );
  }
}

function skip(result: ExportResult, runId: string, reason: string): void {
  result.skippedCount++;
  if (result.skipped.length < MAX_LISTED_SKIPS) result.skipped.push({ runId, reason });
}

function countOmission(
  omissions: Map<string, OmissionCount>,
  omission: { field: string; reason: string },
  clientKey: string,
): void {
  const id = `${omission.field}\u0000${omission.reason}`;
  let entry = omissions.get(id);
  if (entry === undefined) {
    entry = { ...omission, count: 0, examples: [] };
    omissions.set(id, entry);
  }
  entry.count++;
  if (entry.examples.length < MAX_EXAMPLES) entry.examples.push(clientKey);
}
