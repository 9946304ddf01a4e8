import type { Problem } from "../core/errors.js";
import { didYouMean } from "../core/unicode.js";
import type { RunSpec } from "../manifest/index.js";
import type { KeyTypeName, MetadataKeyTypeWire } from "../sift/schemas.js";
import { resolveMetadata, type TypedValue } from "./metadata.js";

/**
 * The step before the diff: a spec's names as Sift knows them — its asset names as asset ids,
 * its metadata values typed by their keys' types. Pure, like the diff.
 */

export interface DiffContext {
  /** Asset name → id, for the asset names that exist. */
  assetIds: ReadonlyMap<string, string>;
  /** `--unicode keep`: asset names Sift holds only in another Unicode form (for "did you mean"). */
  assetOtherForms?: ReadonlyMap<string, string>;
  /** Metadata keys the organization holds only in another Unicode form → their name there. */
  keyNames?: ReadonlyMap<string, string>;
  /** Asset id → name of assets the existing runs hold (for messages; else the ids show). */
  assetNames?: ReadonlyMap<string, string>;
  /** Metadata key → type, as the organization has them (plus keys earlier changes introduce). */
  keyTypes: ReadonlyMap<string, KeyTypeName>;
}

/** A spec's names resolved; undefined where the spec does not manage the field. */
export interface Resolved {
  metadata: Map<string, TypedValue> | undefined;
  assetIds: string[] | undefined;
}

/** Resolves a spec's names, adding a problem for each that Sift does not know or that does not fit. */
export function resolveSpec(spec: RunSpec, context: DiffContext, problems: Problem[]): Resolved {
  const metadata = resolveMetadata(spec, context.keyTypes, problems);
  const assetIds = resolveAssets(spec, context.assetIds, problems, context.assetOtherForms);
  return { metadata, assetIds };
}

/**
 * The problems a spec has against what Sift holds (unknown asset names, metadata values that
 * do not fit their key's type), found before anything is written.
 */
export function checkSpec(
  spec: RunSpec,
  context: DiffContext,
): { problems: Problem[]; newKeyTypes: Record<string, MetadataKeyTypeWire> } {
  const problems: Problem[] = [];
  const { metadata } = resolveSpec(spec, context, problems);
  return { problems, newKeyTypes: newKeyTypes(metadata, context.keyTypes) };
}

/** The metadata keys a spec introduces to the organization, with their types. */
export function newKeyTypes(
  metadata: Map<string, TypedValue> | undefined,
  keyTypes: ReadonlyMap<string, KeyTypeName>,
): Record<string, MetadataKeyTypeWire> {
  const added: Record<string, MetadataKeyTypeWire> = {};
  for (const [k, v] of metadata ?? []) if (!keyTypes.has(k)) added[k] = v.type;
  return added;
}

function resolveAssets(
  spec: RunSpec,
  known: ReadonlyMap<string, string>,
  problems: Problem[],
  otherForms?: ReadonlyMap<string, string>,
): string[] | undefined {
  if (spec.assets === undefined) return undefined;
  const ids: string[] = [];
  for (const name of spec.assets) {
    const id = known.get(name);
    if (id === undefined) {
      const other = otherForms?.get(name);
      const hint =
        other === undefined
          ? ""
          : ` (${didYouMean(name, other)} --unicode keep compares names byte for byte)`;
      problems.push({
        file: spec.source.file,
        line: spec.source.line,
        field: "assets",
        message: `no asset named ${JSON.stringify(name)} exists in Sift${hint}`,
      });
    } else ids.push(id);
  }
  return ids;
}
