import { formatProblem, ManifestError, SyncError } from "../core/errors.js";
import { isInvalidRow, type RunSpec } from "../manifest/index.js";
import { type ManifestRows, readManifests, resolveContext } from "../plan/prepare.js";
import { METADATA_KEY_TYPE_RELATION, METADATA_KEY_TYPES } from "../sift/schemas.js";
import { type CheckResult, MAX_NAMED, result } from "./check.js";
import { formatCount, plural } from "../core/words.js";
import type { DoctorContext } from "./context.js";
import { type ManifestCheckOptions, planCounts } from "./plan-checks.js";

/**
 * Item 4 of `doctor`: the manifests (or a sync config's sources) against the organization.
 * Offline checks first (the manifests' own rules), then what Sift holds: asset names it lacks,
 * metadata keys of another type or of type relation, clientKeys a create would send that
 * break Sift's rule, and the plan's counts. Reads only: nothing is created, not even assets
 * of `--local`.
 */

export interface ManifestFacts {
  /** Valid runs in scope. */
  runs: number;
  creates: number;
  /** Creates that also need an UpdateRun (the follow-up fields of run-fields.ts). */
  followUps: number;
  /** The plan's updates and adoptions (one UpdateRun each). */
  updates: number;
  /** Distinct asset names and metadata keys the runs use (a sync looks them up). */
  assetNames: number;
  metadataKeys: number;
}

export async function checkManifests(
  ctx: Pick<DoctorContext, "client" | "signal">,
  options: ManifestCheckOptions,
  only: { offlineOnly?: boolean } = {},
): Promise<{ checks: CheckResult[]; facts?: ManifestFacts }> {
  const base = (id: string, title: string) =>
    ({ section: "manifests", id: `manifests.${id}`, title }) as const;
  let manifests: ManifestRows;
  try {
    manifests = await readManifests(options);
  } catch (error) {
    return { checks: [offlineFailure(base("offline", "Offline checks"), error)] };
  }
  const checks: CheckResult[] = [
    result(
      base("offline", "Offline checks"),
      "ok",
      `${plural(manifests.files.length, "file")}, ${plural(manifests.runs, "valid run")}`,
      { data: { files: manifests.files, runs: manifests.runs } },
    ),
  ];
  if (only.offlineOnly) return { checks };
  try {
    const context = await resolveContext(ctx.client, manifests.names);
    const found = await compareWithSift(manifests, context.assetIds, context.keyTypes);
    checks.push(
      assetsCheck(base("assets", "Asset names"), manifests.names.assets.size, found.missingAssets),
    );
    checks.push(...metadataChecks(base, manifests.names.metadataKeys.size, found));
    const planned = await planCounts(ctx, options);
    checks.push(planned.keysCheck(base("client-keys", "New clientKeys")));
    checks.push(planned.countsCheck(base("plan", "Plan")));
    return {
      checks,
      facts: {
        runs: manifests.runs,
        creates: planned.summary.create,
        followUps: planned.followUps,
        updates: planned.summary.update + planned.summary.adopt + planned.summary.unarchive,
        assetNames: manifests.names.assets.size,
        metadataKeys: manifests.names.metadataKeys.size,
      },
    };
  } catch (error) {
    if (!(error instanceof SyncError)) throw error;
    checks.push(
      result(base("online", "Against Sift"), "fail", error.message, { todo: "see the message" }),
    );
    return { checks };
  }
}

function offlineFailure(
  base: Pick<CheckResult, "section" | "id" | "title">,
  error: unknown,
): CheckResult {
  if (error instanceof ManifestError) {
    const shown = error.problems.slice(0, MAX_NAMED).map(formatProblem);
    const more =
      error.total > shown.length ? [`... and ${formatCount(error.total - shown.length)} more`] : [];
    return result(base, "fail", [error.message, ...shown, ...more].join("\n"), {
      data: { problems: error.total },
      todo: "`sift-run-sync validate` with the same paths lists them all; nothing against Sift was checked",
    });
  }
  if (error instanceof SyncError)
    return result(base, "fail", error.message, { todo: "see the message" });
  throw error;
}

interface Comparison {
  /** Asset name → rows naming it. */
  missingAssets: Map<string, number>;
  /** Key → the manifests' declared type and Sift's. */
  typeDiffers: Map<string, { manifest: string; sift: string; first: RunSpec["source"] }>;
  relationKeys: Set<string>;
}

async function compareWithSift(
  manifests: ManifestRows,
  assetIds: ReadonlyMap<string, string>,
  keyTypes: ReadonlyMap<string, string>,
): Promise<Comparison> {
  const found: Comparison = {
    missingAssets: new Map(),
    typeDiffers: new Map(),
    relationKeys: new Set(),
  };
  for await (const row of manifests.rows()) {
    if (isInvalidRow(row)) continue;
    const spec = row as RunSpec;
    for (const name of spec.assets ?? []) {
      if (!assetIds.has(name))
        found.missingAssets.set(name, (found.missingAssets.get(name) ?? 0) + 1);
    }
    for (const [key, value] of Object.entries(spec.metadata ?? {})) {
      const sift = keyTypes.get(key);
      if (sift === undefined) continue; // a new key takes the manifest's type
      if (sift === METADATA_KEY_TYPE_RELATION) {
        found.relationKeys.add(key);
        continue;
      }
      if (
        value.type !== undefined &&
        METADATA_KEY_TYPES[value.type] !== sift &&
        !found.typeDiffers.has(key)
      ) {
        found.typeDiffers.set(key, {
          manifest: value.type,
          sift: shortType(sift),
          first: spec.source,
        });
      }
    }
  }
  return found;
}

/** `METADATA_KEY_TYPE_NUMBER` → `number` */
function shortType(wire: string): string {
  return wire.replace(/^METADATA_KEY_TYPE_/, "").toLowerCase();
}

function assetsCheck(
  base: Pick<CheckResult, "section" | "id" | "title">,
  used: number,
  missing: Map<string, number>,
): CheckResult {
  if (missing.size === 0) {
    return result(
      base,
      "ok",
      used === 0 ? "the runs name no assets" : `all ${plural(used, "asset name")} exist in Sift`,
    );
  }
  const named = [...missing]
    .slice(0, MAX_NAMED)
    .map(([name, rows]) => `${JSON.stringify(name)} (${plural(rows, "run")})`);
  const more = missing.size > MAX_NAMED ? ` and ${formatCount(missing.size - MAX_NAMED)} more` : "";
  return result(
    base,
    "fail",
    `${plural(missing.size, "asset name")} Sift lacks: ${named.join(", ")}${more}`,
    {
      data: { missing: [...missing.keys()] },
      todo: "create the assets in Sift (ingesting their data does), or fix the names: runs naming them are invalid",
    },
  );
}

function metadataChecks(
  base: (id: string, title: string) => Pick<CheckResult, "section" | "id" | "title">,
  used: number,
  found: Comparison,
): CheckResult[] {
  const types =
    found.typeDiffers.size === 0
      ? result(
          base("metadata-types", "Metadata key types"),
          "ok",
          used === 0
            ? "the runs set no metadata"
            : `${plural(used, "key")}: no declared type differs from Sift's`,
        )
      : result(
          base("metadata-types", "Metadata key types"),
          "fail",
          [...found.typeDiffers]
            .slice(0, MAX_NAMED)
            .map(
              ([key, d]) =>
                `${key}: ${d.manifest} in the manifests (${d.first.file}:${d.first.line}), ${d.sift} in Sift`,
            )
            .join("\n"),
          {
            data: { differs: Object.fromEntries(found.typeDiffers) },
            todo: "a key's type never changes in Sift: declare the manifests' columns with Sift's type (metadata.<key>:<type>)",
          },
        );
  const relations =
    found.relationKeys.size === 0
      ? result(base("relation-keys", "Relation keys"), "ok", "none named by the manifests")
      : result(
          base("relation-keys", "Relation keys"),
          "fail",
          `${plural(found.relationKeys.size, "key")} of type relation: ${[...found.relationKeys].join(", ")}`,
          {
            data: { keys: [...found.relationKeys] },
            todo: "a manifest cannot write a relation value: drop these keys from the manifests (the runs' relation entries are kept as they are)",
          },
        );
  return [types, relations];
}
