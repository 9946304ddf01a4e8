import { dirname, resolve } from "node:path";
import { plural } from "../../core/words.js";
import { type CacheOptions, DEFAULT_CACHE_DIR } from "../../cache/cache-session.js";
import type { Logger } from "../../core/logger.js";
import type { SyncConfig } from "../../sources/index.js";
import type { CacheFlags } from "../flags.js";

/**
 * Where the sync cache lives and how it is used, or undefined with `--no-cache`. Its default
 * place is `.sift-run-sync/` in the working directory, or beside the sync config when one is
 * used (a config names one sync; its cache goes with it).
 */
export function cacheOptionsOf(
  flags: CacheFlags & { syncConfig?: SyncConfig },
  cwd: string,
  target: string,
  logger: Logger,
): CacheOptions | undefined {
  if (flags.cache === false) return undefined;
  const dir =
    flags.cache !== undefined
      ? resolve(cwd, flags.cache)
      : flags.syncConfig !== undefined
        ? resolve(cwd, dirname(flags.syncConfig.file), DEFAULT_CACHE_DIR)
        : resolve(cwd, DEFAULT_CACHE_DIR);
  return {
    dir,
    apiUrl: target,
    ...(flags.refresh === "full" && { refresh: "full" }),
    ...(flags.refreshEvery !== undefined && { refreshEveryMs: flags.refreshEvery }),
    onNote: (note, level) => logger[level]({ cache: dir }, note),
  };
}

/** One line at the end: how much the cache spared (info). */
export function logCacheUse(
  logger: Logger,
  use: { incremental: boolean; knownInSync: number; changedInSift: number } | undefined,
): void {
  if (use === undefined || !use.incremental) return;
  logger.info(
    use,
    `sync cache: ${plural(use.knownInSync, "row")} known in sync (not looked up); ${plural(use.changedInSift, "run")} changed in Sift since the last sync`,
  );
}
