import type { Problem } from "../core/errors.js";
import { NAMED_FIELDS, type RunSpec } from "../manifest/index.js";
import {
  CREATE_BODY_PATHS,
  type CreateAdhocRunBody,
  type CreateRunBody,
  type UpdatePath,
} from "../sift/schemas.js";
import type { Change, FieldChange, FollowUp } from "./change.js";
import { type TypedValue, toMetadataValue } from "./metadata.js";
import { type DiffContext, newKeyTypes, type Resolved } from "./resolve.js";

/** The fields a create shows, in report order (metadata follows, key by key). */
const SHOWN = NAMED_FIELDS.filter((f) => f.create !== undefined && f.compare !== "metadata");
/** The fields the create calls carry: `assets` as CreateAdhocRun's assetIds (run-fields.ts). */
const IN_BODY = NAMED_FIELDS.filter((f) => f.create === "body" || f.create === "adhoc");
/** Fields the create calls cannot take: one UpdateRun right after sets them (run-fields.ts). */
const FOLLOW_UP = NAMED_FIELDS.filter((f) => f.create === "follow-up");

/** The create of a manifest run no run has the clientKey of: CreateRun, or CreateAdhocRun with assets. */
export function planCreate(
  spec: RunSpec,
  { metadata, assetIds }: Resolved,
  context: DiffContext,
  problems: Problem[],
): Change {
  const { keyTypes, keyNames } = context;
  if (spec.name === undefined) {
    problems.push({
      file: spec.source.file,
      line: spec.source.line,
      field: "name",
      message: "is required to create a run (no run with this clientKey exists)",
    });
    return { action: "invalid", spec, problems };
  }
  const metadataList =
    metadata && [...metadata].map(([k, v]) => toMetadataValue(keyNames?.get(k) ?? k, v));
  // NOTE: manifest validation guarantees both times on a run with assets.
  const adhoc = assetIds !== undefined && assetIds.length > 0;
  // The identity: a create carries the row's clientKey as it is.
  const values: Record<string, unknown> = { clientKey: spec.clientKey };
  for (const def of IN_BODY) {
    if (def.compare === "metadata") values[def.wire] = metadataList;
    else if (def.create === "adhoc") values[def.wire] = adhoc ? assetIds : undefined;
    else values[def.wire] = spec[def.name];
  }
  const body: Record<string, unknown> = {};
  for (const path of CREATE_BODY_PATHS) if (values[path] !== undefined) body[path] = values[path];
  return {
    action: "create",
    spec,
    call: adhoc ? "CreateAdhocRun" : "CreateRun",
    body: body as unknown as CreateRunBody | CreateAdhocRunBody,
    followUp: planFollowUp(spec),
    fields: describeCreate(spec, metadata),
    warnings: [],
    newKeyTypes: newKeyTypes(metadata, keyTypes),
  };
}

/** The follow-up fields default to false on a new run: only `true` needs the UpdateRun. */
function planFollowUp(spec: RunSpec): FollowUp | undefined {
  const run: Record<string, boolean> = {};
  const mask: UpdatePath[] = [];
  for (const def of FOLLOW_UP) {
    if (spec[def.name] !== true) continue;
    run[def.wire] = true;
    mask.push(def.wire as UpdatePath);
  }
  return mask.length === 0 ? undefined : { run, updateMask: mask.join(",") };
}

function describeCreate(
  spec: RunSpec,
  metadata: Map<string, TypedValue> | undefined,
): FieldChange[] {
  const fields: FieldChange[] = [];
  for (const def of SHOWN) {
    const after = spec[def.name] as FieldChange["after"];
    const path = def.wire as FieldChange["path"];
    if (after !== undefined) fields.push({ path, label: def.name, before: undefined, after });
  }
  for (const [k, v] of metadata ?? []) {
    fields.push({ path: "metadata", label: `metadata.${k}`, before: undefined, after: v.value });
  }
  return fields;
}
