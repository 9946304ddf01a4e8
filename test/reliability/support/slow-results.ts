import { execFileSync } from "node:child_process";
import { closeSync, constants, createReadStream, openSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import type { ResultLine } from "./results.js";

/** Bytes read from the pipe at a time, and the pause after each. */
const CHUNK_BYTES = 16 * 1024;
const PAUSE_MS = 20;

export interface SlowResults {
  /** The path to give as `--results` (a named pipe, `results.csv`). */
  path: string;
  /** Result lines read so far (the header not counted). */
  lines(): number;
  /** Every line, once the CLI closed the pipe (it ended, or quit). */
  read(): Promise<ResultLine[]>;
  /** Ends the reading if the CLI never opened the pipe (a test that failed before). */
  close(): void;
}

/**
 * A results file the CLI cannot write faster than ~800 KB/s: a named pipe in `dir`, read 16 KB
 * at a time with a pause after each. Each row is written synchronously, so a stop's listing of
 * the rows goes at that pace, and a test can act while it is under way (a second signal) and
 * know that the listing cannot have ended by itself meanwhile.
 */
export function slowResults(dir: string): SlowResults {
  const path = join(dir, "results.csv");
  execFileSync("mkfifo", [path]);
  let text = "";
  let newlines = 0;
  const stream = createReadStream(path, { highWaterMark: CHUNK_BYTES, encoding: "utf8" });
  stream.on("data", (chunk) => {
    text += chunk;
    for (let i = chunk.indexOf("\n"); i !== -1; i = chunk.indexOf("\n", i + 1)) newlines++;
    stream.pause();
    setTimeout(() => stream.resume(), PAUSE_MS);
  });
  const closed = new Promise<void>((resolve, reject) => {
    stream.on("end", resolve);
    stream.on("error", reject);
  });
  return {
    path,
    lines: () => Math.max(0, newlines - 1),
    read: async () => {
      await closed;
      return parse(text, { columns: true, skip_empty_lines: true }) as ResultLine[];
    },
    close: () => {
      // A reader still waiting for a writer gets one that closes at once: the end of the pipe.
      try {
        closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {
        // no reader waits (ENXIO): nothing to end
      }
      stream.destroy();
    },
  };
}
