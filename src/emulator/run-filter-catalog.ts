/**
 * What `GET /api/v2/runs:filterFields` answers: the ListRuns filter fields with their types
 * (`sift.common.v1.FilterField`). The names match `runFilterSchema`, which evaluates them.
 * NOTE: metadata is filtered as `metadata["key"]` / `metadata.key`, not a listed field.
 */

type FilterFieldType =
  | "FILTER_FIELD_TYPE_STRING"
  | "FILTER_FIELD_TYPE_TIMESTAMP"
  | "FILTER_FIELD_TYPE_INT"
  | "FILTER_FIELD_TYPE_BOOL"
  | "FILTER_FIELD_TYPE_DURATION"
  | "FILTER_FIELD_TYPE_DOUBLE"
  | "FILTER_FIELD_TYPE_ENUM"
  | "FILTER_FIELD_TYPE_UUID";

export interface FilterFieldInfo {
  fieldName: string;
  type: FilterFieldType;
  enumValues: string[];
  description: string;
  displayName: string;
}

const ANNOTATION_STATES = [
  "ANNOTATION_STATE_OPEN",
  "ANNOTATION_STATE_FLAGGED",
  "ANNOTATION_STATE_RESOLVED",
];

type Short = "string" | "timestamp" | "int" | "bool" | "duration" | "double" | "enum" | "uuid";

const field = (
  fieldName: string,
  type: Short,
  displayName: string,
  description: string,
  enumValues: string[] = [],
): FilterFieldInfo => ({
  fieldName,
  type: `FILTER_FIELD_TYPE_${type.toUpperCase()}` as FilterFieldType,
  enumValues,
  description,
  displayName,
});

export const RUN_FILTER_FIELDS: readonly FilterFieldInfo[] = [
  field("run_id", "uuid", "Run ID", "The run's id"),
  field("organization_id", "uuid", "Organization ID", "The run's organization"),
  field("asset_id", "uuid", "Asset ID", "The id of an asset of the run"),
  field("asset_name", "string", "Asset Name", "The name of an asset of the run"),
  field("client_key", "string", "Client Key", "The run's client key (null when unset)"),
  field("name", "string", "Name", "The run's name"),
  field("description", "string", "Description", "The run's description"),
  field("created_by_user_id", "uuid", "Created By", "Who created the run"),
  field("modified_by_user_id", "uuid", "Modified By", "Who last modified the run"),
  field("created_date", "timestamp", "Created Date", "When the run was created"),
  field("modified_date", "timestamp", "Modified Date", "When the run was last modified"),
  field("start_time", "timestamp", "Start Time", "The run's start time (null when unset)"),
  field("stop_time", "timestamp", "Stop Time", "The run's stop time (null when unset)"),
  field("tag_id", "uuid", "Tag ID", "The id of a tag of the run"),
  field("asset_tag_id", "uuid", "Asset Tag ID", "The id of a tag of an asset of the run"),
  field("duration", "double", "Duration", "Elapsed seconds from start time to stop time (or now)"),
  field("duration_string", "duration", "Duration", "The duration, compared with duration('10h')"),
  field("annotation_comments_count", "int", "Comments", "Comments on the run's annotations"),
  field(
    "annotation_state",
    "enum",
    "Annotation State",
    "State of an annotation",
    ANNOTATION_STATES,
  ),
  field("archived_date", "timestamp", "Archived Date", "When the run was archived"),
  field("is_archived", "bool", "Archived", "Whether the run is archived"),
];
