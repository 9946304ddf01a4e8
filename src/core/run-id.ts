/**
 * Sift's run ids are UUIDs: GetRun, StopRun and DeleteRun refuse any other id (buf.validate
 * `string.uuid`, any version, either case). A manifest `runId` that is not one cannot name a
 * run, so it is refused before it reaches a `run_id in [...]` lookup.
 */
const UUID_PATTERN =
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isUuid(text: string): boolean {
  return UUID_PATTERN.test(text);
}

/** What a user can copy as an example of one. */
export const UUID_EXAMPLE = "3f0e9a2c-7b1d-4c5e-9f8a-1b2c3d4e5f60";
