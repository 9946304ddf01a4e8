import { flatCopy } from "../core/flat-copy.js";
import { type UnicodeMode } from "../core/unicode.js";
import { isInvalidRow, type ManifestRow, type RunSpec } from "../manifest/index.js";
import { ItemTooLargeError } from "../sift/client.js";
import type { Run } from "../sift/schemas.js";
import { batchInFilters, filterBudget } from "../sift/in-filter.js";
import { clientKeyForms, fetchRuns, type LookupClient } from "../sift/lookup.js";

/**
 * At most this many rows are looked up ahead of the plan (~30 requests, a few MB of runs held);
 * the rows past it are looked up in the plan's own batches, as before.
 */
const MAX_PREFETCH_KEYS = 10_000;

/**
 * The clientKeys of the rows a trusted sync cache does not know in sync (new rows, rows changed
 * in the manifests or in Sift), gathered in a pass that reads the rows anyway. NOTE: the plan's
 * batches close on the cells of the rows they hold, known ones included (that bounds their
 * memory), so a few changed rows among 100,000 unchanged ones were looked up one small batch at
 * a time (~200 requests at 100,000 runs); gathered here, they fill whole batches.
 */
export class LookupKeys {
  private readonly keys = new Set<string>();

  constructor(
    private readonly knownEntry: (spec: RunSpec) => number,
    private readonly max = MAX_PREFETCH_KEYS,
  ) {}

  /**
   * Gathers the row's key unless the cache knows it in sync: its cache entry, else -1. Once
   * `max` keys are gathered, rows are no longer asked about (-1) unless `always`.
   */
  visit(row: ManifestRow, always = false): number {
    if (isInvalidRow(row) || (this.keys.size >= this.max && !always)) return -1;
    const entry = this.knownEntry(row);
    // NOTE: a copy of the key: the reader's is a view into the 64 KiB of file text it was cut
    // from, and a key every 1,000 rows held every chunk (~70 MB at 1,000,000 rows).
    if (entry < 0 && this.keys.size < this.max) this.keys.add(flatCopy(row.clientKey));
    return entry;
  }

  get size(): number {
    return this.keys.size;
  }

  values(): ReadonlySet<string> {
    return this.keys;
  }
}

/**
 * The runs of these clientKeys, in full `client_key in [...]` batches, as the plan looks them
 * up (both Unicode forms with nfc). A batch holding a run too large to list is left to the
 * plan, which locates that run at its row.
 */
export async function prefetchRuns(
  client: LookupClient,
  keys: ReadonlySet<string>,
  unicode: UnicodeMode,
): Promise<Map<string, Run>> {
  const found = new Map<string, Run>();
  if (keys.size === 0) return found;
  const forms = [...keys].flatMap((key) => clientKeyForms(key, unicode));
  const filters = batchInFilters("client_key", forms, filterBudget(client, "ListRuns"));
  const batches = filters.map(async (filter) => {
    const one = new Map<string, Run>();
    try {
      await fetchRuns(client, filter, keys, one, unicode);
    } catch (error) {
      if (!(error instanceof ItemTooLargeError)) throw error;
      return;
    }
    for (const [key, run] of one) if (found.get(key)?.clientKey !== key) found.set(key, run);
  });
  await Promise.all(batches);
  return found;
}
