import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { BIN, type CliProcess, spawnCli } from "./support/processes.js";
import { duplicateKeys } from "./support/state.js";

/**
 * Issue 18.6: on a full disk the results file ends on a whole row, the apply stops starting
 * rows (they would be written to Sift with no results line), the summary is printed in every
 * format, and the exit code is 1. The disk is a tmpfs of 64 KiB, almost full, where the
 * machine allows it (root, mount works); otherwise the CLI runs with a file size limit
 * (`ulimit -f`, SIGXFSZ ignored), where the write fails with EFBIG instead of ENOSPC: the same
 * path in the code. Which one ran is printed.
 */

const RUNS = 150;
let emulator: Emulator;
let disk: SmallDisk;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  disk = openSmallDisk();
  console.log(`full disk: ${disk.kind}`);
});
afterAll(async () => {
  await emulator.close();
  disk.close();
});

interface SmallDisk {
  kind: "tmpfs (64 KiB, ~4 KiB free)" | "ulimit -f (file size limit)";
  /** Where the results file goes. */
  dir: string;
  /** Fills the disk again to its test level (after a results file was removed). */
  reset(): void;
  spawn(args: string[], env: Record<string, string>): CliProcess;
  close(): void;
}

function openSmallDisk(): SmallDisk {
  const dir = mkdtempSync(join(tmpdir(), "srs-disk-"));
  const filler = join(dir, "filler");
  // SRS_FULL_DISK_FALLBACK=1 tries the fallback where tmpfs would work.
  if (process.getuid?.() === 0 && process.env.SRS_FULL_DISK_FALLBACK === undefined) {
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir], { stdio: "ignore" });
      // 15 of the 16 pages taken: one page (4 KiB) left for the results, ~40 rows.
      writeFileSync(filler, Buffer.alloc(60 * 1024));
      return {
        kind: "tmpfs (64 KiB, ~4 KiB free)",
        dir,
        reset: () => {
          for (const name of ["results.csv"]) rmSync(join(dir, name), { force: true });
        },
        spawn: (args, env) => spawnCli(args, env),
        close: () => execFileSync("umount", [dir]),
      };
    } catch {
      // not allowed here (a container without CAP_SYS_ADMIN): fall back to a file size limit
    }
  }
  return {
    kind: "ulimit -f (file size limit)",
    dir,
    reset: () => rmSync(join(dir, "results.csv"), { force: true }),
    spawn: (args, env) => {
      // 8 blocks: 4 KiB for dash (512-byte blocks), 8 KiB for bash.
      const script = 'trap "" XFSZ; ulimit -f 8; exec "$@"';
      return spawnCli(
        ["-c", script, "sh", process.execPath, BIN, ...args],
        env,
        undefined,
        "/bin/sh",
      );
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function manifest(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), "srs-disk-m-"));
  const rows = Array.from({ length: RUNS }, (_, i) => `${prefix}-${i},Run ${i}`);
  writeFileSync(join(dir, "runs.csv"), `clientKey,name\n${rows.join("\n")}\n`);
  return join(dir, "runs.csv");
}

const env = () => ({ SIFT_REST_URI: emulator.url, SIFT_API_KEY: "local" });

describe("a results file on a full disk", () => {
  for (const format of ["table", "markdown", "json"] as const) {
    it(`ends on a whole row, stops the apply and still prints the summary (--format ${format})`, async () => {
      disk.reset();
      const prefix = `fd${format}`;
      const path = manifest(prefix);
      const results = join(disk.dir, "results.csv");
      const cli = disk.spawn(
        ["apply", path, "--results", results, "--format", format, "--concurrency", "4"],
        env(),
      );
      expect(await cli.exited).toBe(1);
      expect(cli.stderr()).toMatch(/cannot write the results file .*results\.csv: (ENOSPC|EFBIG)/);
      // The file: whole rows only, each with its 7 cells.
      const text = readFileSync(results, "utf8");
      expect(text.endsWith("\r\n")).toBe(true);
      const rows = parse(text, { columns: true, relax_column_count: false }) as {
        clientKey: string;
      }[];
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.length).toBeLessThan(RUNS);
      expect(new Set(rows.map((r) => r.clientKey)).size).toBe(rows.length);
      // The summary, on stdout, counts every run once; no run was started after the failure
      // beyond those already under way.
      const written = emulator.runs().filter((r) => r.clientKey?.startsWith(`${prefix}-`));
      const reason = "a result could not be recorded (see the error above)";
      if (format === "json") {
        const summary = JSON.parse(cli.stdout()) as Record<string, number | string>;
        expect(summary.stopped).toMatch(reason);
        expect(summary.created).toBe(written.length);
        expect(Number(summary.created) + Number(summary.skipped)).toBe(RUNS);
      } else {
        const m =
          /^Stopped: (\d+) created, 0 updated, 0 unchanged, 0 failed, (\d+) skipped in .*\. A result could not be recorded/.exec(
            cli.stdout(),
          );
        expect(m, cli.stdout()).not.toBeNull();
        expect(Number(m![1])).toBe(written.length);
        expect(Number(m![1]) + Number(m![2])).toBe(RUNS);
      }
      expect(written.length).toBeLessThan(RUNS);
      expect(cli.stderr()).not.toMatch(/\n\s+at |internal error/);
      // The same command, with room again, finishes the job.
      const rerun = spawnCli(["apply", path], env());
      expect(await rerun.exited).toBe(0);
      expect(emulator.runs().filter((r) => r.clientKey?.startsWith(`${prefix}-`))).toHaveLength(
        RUNS,
      );
      expect(duplicateKeys(emulator.runs())).toEqual([]);
    }, 60_000);
  }

  it("that cannot take even its header (/dev/full) refuses before writing anything", async () => {
    if (!existsSync("/dev/full")) return;
    const path = manifest("devfull");
    // The results file's name picks its format: a .csv name for /dev/full.
    const full = join(mkdtempSync(join(tmpdir(), "srs-devfull-")), "results.csv");
    symlinkSync("/dev/full", full);
    const cli = spawnCli(["apply", path, "--results", full], env());
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toMatch(/cannot write the results file .*results\.csv: ENOSPC/);
    expect(emulator.runs().filter((r) => r.clientKey?.startsWith("devfull-"))).toHaveLength(0);
  });
});
