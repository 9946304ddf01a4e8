import type { FileIdentity, OwnFileKind } from "../manifest/index.js";
import type { SyncConfig } from "../sources/index.js";

/**
 * One line per file of a manifest directory (or of a config source's directory or glob)
 * skipped as one of the tool's own (a results file, a saved plan, recognised by content):
 * the pipeline skips them silently, as often as it reads the paths; this says it once,
 * before the work starts.
 */
export async function noteOwnFiles(
  paths: string[],
  options: {
    cwd: string;
    exclude?: readonly string[];
    stdoutFile?: FileIdentity;
    /** A sync config: its sources are read instead of `paths`. */
    config?: SyncConfig;
  },
  note: (line: string) => void,
): Promise<void> {
  const { config, ...read } = options;
  const { describeOwnFile, expandPaths } = await import("../manifest/index.js");
  const onOwnFile = (file: string, kind: OwnFileKind) => note(describeOwnFile(file, kind));
  if (config !== undefined) {
    const { expandSources } = await import("../sources/index.js");
    await expandSources(config, { ...read, onOwnFile }).catch(() => {}); // reported by the command
    return;
  }
  if (paths.length === 0) return;
  await expandPaths(paths, { ...read, onOwnFile }).catch(() => {}); // a missing path is reported by the command itself
}
