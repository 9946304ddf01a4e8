import { UsageError } from "../../core/errors.js";
import { IGNORABLE_FIELDS, type IgnorableField } from "../../plan/diff.js";
import type { CliIo } from "../io.js";

/** `--ignore startTime,stopTime`, checked against the fields a manifest can manage. */
export function parseIgnore(fields: string[] | undefined): IgnorableField[] {
  const known = new Set<string>(IGNORABLE_FIELDS);
  for (const field of fields ?? []) {
    if (!known.has(field)) {
      throw new UsageError(
        `--ignore: unknown field ${JSON.stringify(field)} (expected some of ${IGNORABLE_FIELDS.join(", ")})`,
      );
    }
  }
  return (fields ?? []) as IgnorableField[];
}

export interface ProgressLine {
  update(done: number, total: number): void;
  done(): void;
}

/** The progress bar on stderr: only on a TTY and without --no-progress. */
export function startProgress(
  flags: { progress: boolean },
  io: CliIo,
  label: string,
): ProgressLine {
  const enabled = flags.progress && io.stderr.isTTY === true;
  if (!enabled) return { update() {}, done() {} };
  const started = Date.now();
  let last = 0;
  return {
    update(done, total) {
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const rate = done / Math.max((now - started) / 1000, 0.001);
      const eta = rate > 0 ? Math.ceil((total - done) / rate) : 0;
      io.stderr.write(
        `\r${label} ${done}/${total} (${Math.floor((done / Math.max(total, 1)) * 100)}%) ${Math.round(rate)}/s ETA ${eta}s   `,
      );
    },
    done() {
      io.stderr.write("\r\x1b[K");
    },
  };
}
