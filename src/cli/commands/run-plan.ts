import { plan } from "../../plan/plan.js";
import { createJsonReport } from "../../report/json-report.js";
import { createMarkdownReport } from "../../report/markdown-report.js";
import { createPlanFileWriter } from "../../report/plan-file.js";
import { combineReports, type PlanReport } from "../../report/plan-report.js";
import { hasChanges } from "../../report/summary.js";
import { createTableReport } from "../../report/table-report.js";
import type { CliIo } from "../io.js";
import { csvDialectOf } from "../options.js";
import { openSession } from "../session.js";
import type { PlanFlags } from "./plan.js";
import { parseIgnore, progressCallback, startProgress } from "./shared.js";

/** The plan command (also `apply --dry-run`). Returns the exit code. */
export async function runPlan(paths: string[], flags: PlanFlags, io: CliIo): Promise<number> {
  const ignore = parseIgnore(flags.ignore);
  const session = await openSession(flags, io);
  try {
    const reports: PlanReport[] = [stdoutReport(flags.format, session.target, io)];
    const file =
      flags.out === undefined
        ? undefined
        : createPlanFileWriter(flags.out, {
            target: session.target,
            createdAt: new Date().toISOString(),
            options: {
              metadata: flags.metadata,
              ignore,
              ...(flags.shard && { shard: `${flags.shard.index}/${flags.shard.count}` }),
            },
            manifests: paths,
          });
    if (file) reports.push(file);
    const report = combineReports(...reports);
    const progress = startProgress(flags, io, "planning");
    try {
      const result = await plan({
        paths,
        cwd: io.cwd,
        exclude: outputFiles(flags),
        shard: flags.shard,
        csv: csvDialectOf(flags),
        client: session.client,
        metadata: flags.metadata,
        ignore,
        onChange: (change) => report.add(change),
        onProgress: progressCallback(progress),
      });
      progress.done();
      report.end(result.summary);
      if (flags.out) session.logger.info({ out: flags.out }, "plan saved");
      if (result.summary.invalid > 0) return 1;
      return flags.detailedExitcode && hasChanges(result.summary) ? 2 : 0;
    } catch (error) {
      progress.done();
      file?.abort();
      throw error;
    }
  } finally {
    await session.close();
  }
}

function stdoutReport(format: PlanFlags["format"], target: string, io: CliIo): PlanReport {
  switch (format) {
    case "json":
      return createJsonReport(io.stdout, { target });
    case "markdown":
      return createMarkdownReport(io.stdout);
    case "table":
      return createTableReport(io.stdout, { color: io.stdout.isTTY === true && !io.env.NO_COLOR });
    default:
      return format satisfies never;
  }
}

/** The files this invocation writes: never read back as manifests from a directory. */
export function outputFiles(flags: { out?: string; results?: string }): string[] {
  return [flags.out, flags.results].filter((f): f is string => f !== undefined);
}
