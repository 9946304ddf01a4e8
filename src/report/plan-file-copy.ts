import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inCwd } from "../core/cwd-path.js";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { PlanFileError } from "../core/errors.js";
import { MAX_PLAN_FILE_BYTES } from "./plan-file-read.js";

export interface PlanFileCopy {
  /** The private copy: read this, name the original in messages. */
  path: string;
  remove(): Promise<void>;
}

/**
 * Copies a saved plan to a private temporary file before it is checked, so that what was
 * checked (its digest, its entries) is exactly what is applied: `apply --plan` reads the plan
 * several times (check, apply, report what was not reached), and someone who can write the
 * file must not swap it between the reads. A pipe (`--plan <(...)`) can be read once, so it
 * works too. Bounded: a file over MAX_PLAN_FILE_BYTES is refused while it is copied.
 */
export async function copyPlanFile(
  path: string,
  /** Where a relative `path` is taken from (the command's directory); default the process's. */
  where: { cwd?: string } = {},
): Promise<PlanFileCopy> {
  const dir = await mkdtemp(join(tmpdir(), "sift-run-sync-plan-"));
  const remove = () => rm(dir, { recursive: true, force: true });
  const copy = join(dir, "plan.json");
  let bytes = 0;
  const bounded = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > MAX_PLAN_FILE_BYTES) {
        done(
          new PlanFileError(
            `${path} is larger than a saved plan may be (${MAX_PLAN_FILE_BYTES / 1024 ** 3} GiB)`,
          ),
        );
      } else done(null, chunk);
    },
  });
  try {
    const file = inCwd(path, where.cwd);
    await pipeline(createReadStream(file), bounded, createWriteStream(copy, { mode: 0o600 }));
  } catch (error) {
    await remove();
    if (error instanceof PlanFileError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new PlanFileError(`cannot read the plan file ${path}: ${reason}`, { cause: error });
  }
  return { path: copy, remove };
}
