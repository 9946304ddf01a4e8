import { NAMED_FIELDS, SPEC_FIELDS } from "../manifest/index.js";
import { readMetadataValue } from "../sift/metadata-entry.js";
import { type MetadataValue, UPDATABLE_PATHS } from "../sift/schemas.js";
import type { SavedChange } from "./plan-file-schema.js";

/**
 * One saved change against itself: its request must be exactly the one its reviewed parts
 * describe (clientKey, runId, updateMask, each field's new value). See plan-file-verify.ts.
 */

type FieldEntry = SavedChange["fields"][number];
type Scalar = string | number | boolean;

const METADATA_PREFIX = "metadata.";
/** The fields whose new value an UpdateRun carries under the same name. */
const PLAIN_PATHS = new Set<string>(UPDATABLE_PATHS.filter((p) => p !== "metadata"));
/** What a create's fields show (describeCreate in diff.ts): a manifest's fields, metadata per key. */
const CREATE_FIELDS = new Set<string>(SPEC_FIELDS.filter((f) => f !== "metadata"));
/** What a create's request carries as it is, each shown by a field of the same name. */
const BODY_FIELDS = NAMED_FIELDS.filter((f) => f.create === "body" && f.compare !== "metadata").map(
  (f) => f.name as "name" | "description" | "startTime" | "stopTime" | "tags",
);
/** What a create's follow-up UpdateRun sets (only to true): field name → its name in the request. */
const FOLLOW_UP = new Map<string, string>(
  NAMED_FIELDS.filter((f) => f.create === "follow-up").map((f) => [f.name, f.wire]),
);
const FOLLOW_UP_PATHS = new Set(FOLLOW_UP.values());

export function checkEntry(change: SavedChange): string[] {
  switch (change.action) {
    case "create":
      return checkCreate(change);
    case "update":
    case "adopt":
    case "unarchive":
    case "archive":
      return checkUpdate(change);
    case "unchanged":
    case "skip":
    case "invalid":
      return change.fields.length === 0 ? [] : [`an ${change.action} entry with field changes`];
    default:
      return change satisfies never;
  }
}

function checkCreate(change: Extract<SavedChange, { action: "create" }>): string[] {
  const problems: string[] = [];
  const { request, followUp } = change;
  if (request.clientKey !== change.clientKey) {
    problems.push(
      `request.clientKey ${show(request.clientKey)} is not the entry's clientKey ${show(change.clientKey)}`,
    );
  }
  const fields = indexFields(change.fields, problems);
  const covered = new Set<string>();
  const plain: Record<string, unknown> = { ...request };
  for (const [label, field] of fields.plain) {
    if (!CREATE_FIELDS.has(label)) {
      problems.push(`fields.${label}: not a field a create sets`);
      continue;
    }
    if (field.before !== null) problems.push(`fields.${label}: a create has no old value`);
    covered.add(label);
    if (label === "assets") {
      const ids = "assetIds" in request ? request.assetIds : [];
      if (!Array.isArray(field.after) || field.after.length !== ids.length) {
        problems.push(`request.assetIds does not hold one asset per name of fields.assets`);
      }
      continue;
    }
    const followUpPath = FOLLOW_UP.get(label);
    if (followUpPath !== undefined) {
      const planned = (followUp?.run as Record<string, unknown> | undefined)?.[followUpPath];
      if (typeof field.after !== "boolean" || (planned ?? false) !== field.after) {
        problems.push(`followUp.run.${label} does not set fields.${label} ${show(field.after)}`);
      }
      continue;
    }
    if (!(label in plain) || !sameJson(plain[label], field.after)) {
      problems.push(differs(`request.${label}`, plain[label], `fields.${label}`, field.after));
    }
  }
  for (const name of BODY_FIELDS) {
    if (request[name] !== undefined && !covered.has(name)) {
      problems.push(`request.${name} is set, but no field shows it`);
    }
  }
  if ("assetIds" in request && request.assetIds.length > 0 && !covered.has("assets")) {
    problems.push("request.assetIds is set, but no field shows the assets");
  }
  problems.push(...checkMetadata(request.metadata, fields.metadata, "request.metadata", true));
  if (followUp !== undefined) {
    const paths = followUp.updateMask.split(",");
    const set = Object.entries(followUp.run).filter(([, v]) => v !== undefined);
    const valid =
      new Set(paths).size === paths.length &&
      set.length === paths.length &&
      set.every(([k, v]) => v === true && paths.includes(k) && FOLLOW_UP_PATHS.has(k));
    if (!valid)
      problems.push(
        `followUp: sets ${followUp.updateMask}, not only ${[...FOLLOW_UP_PATHS].join("/")} true`,
      );
  }
  return problems;
}

function checkUpdate(
  change: Extract<SavedChange, { action: "update" | "adopt" | "unarchive" | "archive" }>,
): string[] {
  const problems: string[] = [];
  const { request } = change;
  const run: Record<string, unknown> = { ...request.run };
  if (request.run.runId !== change.runId) {
    problems.push(
      differs("request.run.runId", request.run.runId, "the entry's runId", change.runId),
    );
  }
  const mask = request.updateMask.split(",");
  if (mask.join(",") !== change.updateMask.join(",") || new Set(mask).size !== mask.length) {
    problems.push(
      differs("request.updateMask", request.updateMask, "updateMask", change.updateMask),
    );
  }
  const fields = indexFields(change.fields, problems);
  const shown = new Set<string>(fields.plain.keys());
  if (fields.metadata.size > 0) shown.add("metadata");
  for (const path of new Set([...mask, ...shown])) {
    if (!mask.includes(path))
      problems.push(`fields.${path} changes, but the updateMask leaves it out`);
    else if (!shown.has(path))
      problems.push(`updateMask holds ${path}, but no field shows it changing`);
  }
  for (const key of Object.keys(run)) {
    if (key !== "runId" && run[key] !== undefined && !mask.includes(key)) {
      problems.push(`request.run.${key} is set, but the updateMask leaves it out`);
    }
  }
  for (const [label, field] of fields.plain) {
    if (!PLAIN_PATHS.has(label)) {
      problems.push(`fields.${label}: not a field an UpdateRun can change`);
      continue;
    }
    if (field.after === null || !sameJson(run[label], field.after)) {
      problems.push(differs(`request.run.${label}`, run[label], `fields.${label}`, field.after));
    }
  }
  const metadataPath = mask.includes("metadata") ? request.run.metadata : undefined;
  if (mask.includes("metadata") && metadataPath === undefined) {
    problems.push(
      "updateMask holds metadata, but request.run.metadata is missing (it would be cleared)",
    );
  }
  problems.push(...checkMetadata(metadataPath, fields.metadata, "request.run.metadata", false));
  problems.push(...checkAction(change, fields.plain));
  return problems;
}

/** What each kind of UpdateRun must and must not change. */
function checkAction(
  change: Extract<SavedChange, { action: "update" | "adopt" | "unarchive" | "archive" }>,
  plain: ReadonlyMap<string, FieldEntry>,
): string[] {
  const clientKey = plain.get("clientKey");
  const archived = plain.get("isArchived");
  switch (change.action) {
    case "update":
      return clientKey ? ["an update cannot set clientKey (only an adopt does)"] : [];
    case "adopt":
      return clientKey?.before === null && clientKey.after === change.clientKey
        ? []
        : [`an adopt sets clientKey from none to the entry's ${show(change.clientKey)}`];
    case "unarchive":
      return archived?.before === true && archived.after === false
        ? []
        : ["an unarchive sets isArchived from true to false"];
    case "archive":
      return change.fields.length === 1 && archived?.before === false && archived.after === true
        ? []
        : ["an archive sets isArchived from false to true, and nothing else"];
    default:
      return change satisfies never;
  }
}

/**
 * The metadata a request sends against the metadata fields shown: each key shown with a new
 * value is sent with it (as the type its JSON value says), each key shown removed is not sent.
 * A create sends exactly the keys shown; an update also the run's other keys, as Sift holds
 * them (checked by apply against Sift).
 */
function checkMetadata(
  list: readonly MetadataValue[] | undefined,
  shown: ReadonlyMap<string, FieldEntry>,
  where: string,
  exact: boolean,
): string[] {
  const problems: string[] = [];
  const sent = new Map<string, MetadataValue>();
  for (const value of list ?? []) {
    if (sent.has(value.key.name)) problems.push(`${where}: key ${show(value.key.name)} twice`);
    sent.set(value.key.name, value);
  }
  for (const [key, field] of shown) {
    const value = sent.get(key);
    if (field.after === null) {
      if (value !== undefined)
        problems.push(`${where}: sends ${show(key)}, which fields show removed`);
      continue;
    }
    if (value === undefined || !sameScalar(typedOf(value), field.after)) {
      const had = value === undefined ? undefined : typedOf(value);
      problems.push(differs(`${where} ${show(key)}`, had, `fields.metadata.${key}`, field.after));
    }
  }
  if (exact) {
    for (const key of sent.keys()) {
      if (!shown.has(key)) problems.push(`${where}: sends ${show(key)}, which no field shows`);
    }
  }
  return problems;
}

/** The value a metadata entry sends; undefined for a shape a manifest cannot write (a relation). */
export function typedOf(value: MetadataValue): Scalar | undefined {
  return readMetadataValue(value)?.value;
}

/** A shown value against a sent one: of the same JSON type (the type the key is sent as). */
function sameScalar(sent: Scalar | undefined, after: unknown): boolean {
  return sent !== undefined && typeof sent === typeof after && sent === after;
}

function indexFields(
  fields: readonly FieldEntry[],
  problems: string[],
): { plain: Map<string, FieldEntry>; metadata: Map<string, FieldEntry> } {
  const plain = new Map<string, FieldEntry>();
  const metadata = new Map<string, FieldEntry>();
  for (const field of fields) {
    const isMetadata = field.field.startsWith(METADATA_PREFIX);
    const map = isMetadata ? metadata : plain;
    const name = isMetadata ? field.field.slice(METADATA_PREFIX.length) : field.field;
    if (map.has(name)) problems.push(`fields: ${field.field} twice`);
    map.set(name, field);
  }
  return { plain, metadata };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function differs(what: string, value: unknown, reviewed: string, expected: unknown): string {
  return `${what} is ${show(value)}, but ${reviewed} is ${show(expected)}`;
}

/** A value in a message, cut short: a tampered file may hold anything. */
function show(value: unknown): string {
  const text = value === undefined ? "absent" : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
