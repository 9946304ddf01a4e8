import { UPDATABLE_PATHS, type UpdatePath } from "../sift/schemas.js";
import { invalidArgument } from "./api-error.js";

/**
 * NOTE: Sift's UpdateRun allow-list also admits `archived_date` (sift-api.md, Server-side
 * rules). This tool never sends it (it archives with `isArchived`), so it is the emulator's alone.
 */
const MASK_PATHS = [...UPDATABLE_PATHS, "archivedDate"] as const;
export type MaskPath = UpdatePath | "archivedDate";

/** What protojson accepts as one FieldMask path: lowerCamelCase identifiers, dot-separated. */
const FIELD_PATH = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/;

/**
 * Reads UpdateRun's `updateMask`, one comma-separated string of camelCase paths.
 * NOTE: protojson rejects a path with `_` ("contains invalid path") before the server sees
 * it; the server then refuses an empty mask and paths it cannot update.
 */
export function parseUpdateMask(mask: string | undefined): MaskPath[] {
  const text = (mask ?? "").trim();
  if (text === "") throw invalidArgument("update_mask is required (a comma-separated string)");
  const paths: MaskPath[] = [];
  for (const path of text.split(",")) {
    if (path.includes("_") || !FIELD_PATH.test(path)) {
      throw invalidArgument(`google.protobuf.FieldMask.paths contains invalid path: "${path}"`);
    }
    if (!isUpdatable(path)) {
      throw invalidArgument(
        `invalid update mask path "${path}": updatable paths are ${MASK_PATHS.join(", ")}`,
      );
    }
    if (!paths.includes(path)) paths.push(path);
  }
  return paths;
}

function isUpdatable(path: string): path is MaskPath {
  return (MASK_PATHS as readonly string[]).includes(path);
}
