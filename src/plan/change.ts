import type { Problem } from "../core/errors.js";
import type { RunSpec } from "../manifest/index.js";
import type { PlanSkipCode } from "./skip.js";
import type {
  CreateAdhocRunBody,
  CreateRunBody,
  MetadataKeyTypeWire,
  UpdatePath,
  UpdateRunBody,
} from "../sift/schemas.js";

/** A value as the report shows it; undefined means "absent" (no such metadata key, unset time). */
export type FieldValue = string | number | boolean | string[] | undefined;

/** One field (or one metadata key) that differs: `metadata.altitude: 1200 → 1300`. */
export interface FieldChange {
  /** The request field that carries the value: an updateMask path, or `assetIds` (creates only). */
  path: UpdatePath | "assetIds";
  /** What the report prints: `name`, `tags`, `metadata.altitude`. */
  label: string;
  before: FieldValue;
  after: FieldValue;
}

export interface Warning {
  /**
   * `not-updated`: --mode create-only left an existing run that differs as it is;
   * `metadata-kept`: --metadata replace kept entries no manifest can express (relation values);
   * `archived-asset`: an asset name only archived assets hold; the archived one is used;
   * `adopt-near-miss`: a run to create, though runs without a clientKey agree on some of the
   * `--adopt-by` fields.
   */
  code:
    | "assets-differ"
    | "time-order"
    | "not-updated"
    | "metadata-kept"
    | "archived-asset"
    | "adopt-near-miss";
  message: string;
}

/** Update fields that a create call cannot take, set by one UpdateRun right after it. */
export type FollowUp = Pick<UpdateRunBody, "updateMask"> & {
  run: Omit<UpdateRunBody["run"], "runId">;
};

/** An UpdateRun of one existing run: the shape of update, adopt and unarchive. */
export interface RunUpdate {
  spec: RunSpec;
  runId: string;
  /** The run's modifiedDate when planned: a saved plan skips the run if it has changed since. */
  modifiedDate: string | undefined;
  mask: UpdatePath[];
  body: UpdateRunBody;
  fields: FieldChange[];
  warnings: Warning[];
  newKeyTypes: Record<string, MetadataKeyTypeWire>;
}

/**
 * What the plan decided for one manifest run, or for one in-scope run no manifest holds
 * (archive). Data, not behaviour: the apply step executes it, the report renders it, the
 * plan file stores it.
 */
export type Change =
  | {
      action: "create";
      spec: RunSpec;
      call: "CreateAdhocRun" | "CreateRun";
      body: CreateRunBody | CreateAdhocRunBody;
      /** The follow-up fields (run-fields.ts), which CreateRun and CreateAdhocRun cannot take. */
      followUp: FollowUp | undefined;
      fields: FieldChange[];
      warnings: Warning[];
      /** Metadata keys this create introduces to the organization, with their types. */
      newKeyTypes: Record<string, MetadataKeyTypeWire>;
    }
  | ({ action: "update" } & RunUpdate)
  | ({
      /**
       * A run without a clientKey brought under the row's: one UpdateRun whose mask holds
       * `clientKey` and every other field that differs.
       */
      action: "adopt";
      /** How the run was found: `runId`, or the `--adopt-by` fields (`name,startTime`). */
      by: string;
    } & RunUpdate)
  | ({
      /** `--archive-missing`: an archived run the manifests hold, and whose row does not manage isArchived. */
      action: "unarchive";
    } & RunUpdate)
  | {
      action: "unchanged";
      spec: RunSpec;
      runId: string;
      modifiedDate: string | undefined;
      warnings: Warning[];
    }
  | {
      /** The sync mode rules the row out: `--mode update-only` and no run has its clientKey. */
      action: "skip";
      spec: RunSpec;
      code: PlanSkipCode;
      /** The code's text (src/plan/skip.ts), as reports and the saved plan show it. */
      reason: string;
    }
  | {
      /** The run cannot be planned (unknown asset, metadata of the wrong type, no name to create). */
      action: "invalid";
      spec: RunSpec;
      problems: Problem[];
    }
  | ArchiveChange;

/** `--archive-missing`: an in-scope run with a clientKey that no manifest holds any more. */
export interface ArchiveChange {
  action: "archive";
  clientKey: string;
  runId: string;
  /** The run's name, for the report. */
  name: string;
  modifiedDate: string | undefined;
  body: UpdateRunBody;
}

/** The clientKey a change is about. */
export function changeKey(change: Change): string {
  return change.action === "archive" ? change.clientKey : change.spec.clientKey;
}

/** The UpdateRun that archives a run. */
export function archiveBody(runId: string): UpdateRunBody {
  return { run: { runId, isArchived: true }, updateMask: "isArchived" };
}
