/** The report layer: what the pipeline calls to show plans and apply results. */
export {
  type ApplySummary,
  formatApplySummary,
  formatApplySummaryJson,
  formatDuration,
  formatRowOutcome,
} from "./apply-summary.js";
export { neutraliseCell } from "./cells.js";
export { createJsonReport, type JsonReportMeta, PLAN_FORMAT_VERSION } from "./json-report.js";
export {
  createMarkdownReport,
  MAX_MARKDOWN_CHARS,
  type MarkdownReportOptions,
} from "./markdown-report.js";
export type { FieldEntry, PlanEntry } from "./plan-entry.js";
export {
  checkPlanTarget,
  createPlanFileWriter,
  openPlanFile,
  type PlanFileMeta,
  type PlanFileStream,
  type PlanFileWriter,
  type PlanHead,
  readPlanFile,
  type SavedChange,
  type SavedPlan,
} from "./plan-file.js";
export { combineReports, type PlanReport, type TextSink } from "./plan-report.js";
export { createProgress, type Progress, type ProgressOptions } from "./progress.js";
export {
  createResultsWriter,
  type ResultRow,
  type ResultsFormat,
  type ResultsWriter,
  resultsFormatOf,
} from "./results-file.js";
export {
  countChange,
  createPlanSummary,
  formatPlanCounts,
  formatPlanLine,
  hasChanges,
  type PlanSummary,
} from "../plan/summary.js";
export { createTableReport } from "./table-report.js";
