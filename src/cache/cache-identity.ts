import type { CacheMeta } from "./cache-file.js";

/** What a cache must have been written for to be read: anything else is ignored whole. */
export type CacheIdentity = Omit<CacheMeta, "epochs" | "files" | "readEnv">;

/** Why a cache is not used; `alarming`: damaged, or the organization lost runs. */
export interface Distrust {
  message: string;
  alarming: boolean;
}

/** Why a cache written for `meta` says nothing about `identity`, or undefined. */
export function differentIdentity(meta: CacheMeta, identity: CacheIdentity): Distrust | undefined {
  const routine = (message: string) => ({ message, alarming: false });
  const alarming = (message: string) => ({ message, alarming: true });
  if (typeof meta !== "object" || meta === null || !Array.isArray(meta.epochs))
    return alarming("its header cannot be read");
  if (meta.toolVersion !== identity.toolVersion)
    return routine(
      `it was written by sift-run-sync ${meta.toolVersion}, this is ${identity.toolVersion}`,
    );
  if (meta.apiUrl !== identity.apiUrl) return alarming(`it is for another API (${meta.apiUrl})`);
  if (meta.organizationId !== identity.organizationId)
    return alarming(`it is for another organization (${meta.organizationId})`);
  if (meta.fingerprint !== identity.fingerprint)
    return alarming(
      "the organization's oldest run is not the one it was (runs were deleted in Sift, or the organization was reset)",
    );
  if (meta.optionHash !== identity.optionHash)
    return routine(
      "it was written with other diff options (--metadata, --ignore, --mode, --adopt-by, --scope or --unicode)",
    );
  return undefined;
}
