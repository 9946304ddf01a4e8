import type { ClientKeyCheck } from "../core/client-key.js";
import type { UnicodeMode } from "../core/unicode.js";
import { SPEC_FIELDS, type SpecField } from "../manifest/index.js";
import type { Run } from "../sift/schemas.js";

/** Fields `--ignore` can name: every field a manifest can manage. */
export const IGNORABLE_FIELDS = SPEC_FIELDS;
export type IgnorableField = SpecField;

/**
 * Which writes a sync may make, as Data Loader's insert / update / upsert: `create-only` never
 * changes an existing run, `update-only` never creates one.
 */
export type SyncMode = "upsert" | "create-only" | "update-only";

export interface DiffOptions {
  /** merge: the manifest's keys are set, others kept; replace: exactly the manifest's keys. */
  metadata: "merge" | "replace";
  /** Fields never compared nor written on existing runs. */
  ignore: ReadonlySet<IgnorableField>;
  /** Default `upsert`. */
  mode?: SyncMode;
  /** `sift` (default): a run to be created needs a clientKey by Sift's rule; `off`: any key. */
  clientKeyCheck?: ClientKeyCheck;
  /**
   * `--archive-missing`: whether an archived run is in the scope, and so is unarchived when its
   * row does not manage isArchived. Undefined: nothing is unarchived.
   */
  unarchive?: (run: Run) => boolean;
  /**
   * `--unicode`: `nfc` (default) compares Sift's text with the manifest's (NFC already) in NFC,
   * so a value Sift holds in NFD is unchanged; `keep` compares byte for byte.
   */
  unicode?: UnicodeMode;
}
