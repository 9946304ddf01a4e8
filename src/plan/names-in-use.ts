import type { RunSpec } from "../manifest/index.js";

/** Distinct asset names and metadata keys of the specs: what must be resolved before diffing. */
export interface NamesInUse {
  assets: Set<string>;
  metadataKeys: Set<string>;
}

export function addNamesInUse(names: NamesInUse, spec: RunSpec): void {
  for (const asset of spec.assets ?? []) names.assets.add(asset);
  for (const key of Object.keys(spec.metadata ?? {})) names.metadataKeys.add(key);
}
