import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, type TestContext } from "vitest";
import { startEmulator } from "../../src/emulator/index.js";
import { isRead, startFaultProxy } from "../reliability/support/fault-proxy.js";
import { startHungApi, waitFor } from "../reliability/support/hung-api.js";
import { spawnCli } from "../reliability/support/processes.js";
import { readResults } from "../reliability/support/results.js";

/**
 * A user's bug: Ctrl-C while `plan` waited on an API that accepts connections and never
 * answers exited 130 with nothing on stderr, and stdout said "No plan: it failed before any
 * run was planned.". Stopped by a signal, a command now says on stderr, in one line, that it
 * was interrupted and what was under way, and its one stdout document says "interrupted" in
 * every format; apply reports every row as not attempted. While a large manifest is still
 * being validated, the signal stops the reading between batches of rows.
 *
 * The CLI runs as its own process (the built bin), against a listener that never answers.
 */

/** The grace (5 s) and the deadline (9 s) at a fifth: a hung request is cut off after 1 s. */
const SCALED = { SIFT_RUN_SYNC_STOP_SCALE: "0.2" };
const STACK = /\n\s+at |internal error/;

async function hungApi(t: TestContext) {
  const hung = await startHungApi();
  t.onTestFinished(() => hung.close());
  return hung;
}

function workDir(rows: string[] = ["in-1,Run 1,", "in-2,Run 2,", "in-3,Run 3,"]) {
  const dir = mkdtempSync(join(tmpdir(), "srs-interrupt-"));
  const manifest = join(dir, "runs.csv");
  writeFileSync(manifest, `clientKey,name,tags\n${rows.join("\n")}\n`);
  return { dir, manifest, results: join(dir, "results.csv") };
}

function cli(url: string, args: string[], dir: string) {
  return spawnCli(args, { SIFT_REST_URI: url, SIFT_API_KEY: "local", ...SCALED }, dir);
}

/** `interrupted by <signal> while waiting on the API at <url> for its first answer (...): <outcome>` */
function waitingLine(signal: string, url: string, outcome: string): RegExp {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(
    `^interrupted by ${escape(signal)} while waiting on the API at ${escape(url)} for its first answer \\((\\d+ requests under way, the oldest )?(GET|POST) /\\S+, sent \\d+\\.\\d s ago\\): ${escape(outcome)}$`,
  );
}

/** The lines of stderr that are not pino's JSON log lines. */
function textLines(stderr: string): string[] {
  return stderr.split("\n").filter((line) => line !== "" && !line.startsWith("{"));
}

describe.concurrent("plan interrupted while the API never answers", () => {
  const formats = {
    table: (stdout: string) => {
      expect(stdout).toBe("No plan: interrupted before any run was planned.\n");
    },
    json: (stdout: string, line: string) => {
      const doc = JSON.parse(stdout) as { error: unknown; summary: unknown };
      expect(doc.error).toEqual({ code: "INTERRUPTED", message: line, signal: "SIGINT" });
      expect(doc.summary).toMatchObject({ create: 0, update: 0, unchanged: 0 });
    },
    markdown: (stdout: string, line: string) => {
      expect(stdout).toBe(
        `## sift-run-sync plan\n\n### ⏹️ The plan was interrupted\n\n${line}\n\nNo run was planned.\n`,
      );
    },
  };
  for (const [format, check] of Object.entries(formats)) {
    it(`--format ${format}: one line on stderr says what was under way; stdout says interrupted`, async (t) => {
      const hung = await hungApi(t);
      const { dir, manifest } = workDir();
      const plan = cli(hung.url, ["plan", manifest, "--format", format], dir);
      await waitFor(() => hung.connections() > 0, "the first request");
      plan.child.kill("SIGINT");
      expect(await plan.exited).toBe(130);
      const lines = textLines(plan.stderr());
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(waitingLine("Ctrl-C (SIGINT)", hung.url, "the plan is incomplete"));
      check(plan.stdout(), lines[0]!);
      expect(plan.stdout()).not.toMatch(/failed/);
      expect(plan.stderr()).not.toMatch(STACK);
    }, 30_000);
  }

  it("SIGTERM: 143, the one line, one JSON document; no --out file", async (t) => {
    const hung = await hungApi(t);
    const { dir, manifest } = workDir();
    const out = join(dir, "plan.json");
    const plan = cli(hung.url, ["plan", manifest, "--out", out, "--format", "json"], dir);
    await waitFor(() => hung.connections() > 0, "the first request");
    plan.child.kill("SIGTERM");
    expect(await plan.exited).toBe(143);
    const lines = textLines(plan.stderr());
    expect(lines).toHaveLength(1);
    const outcome = `the plan is incomplete; ${out} (--out) was not written`;
    expect(lines[0]).toMatch(waitingLine("SIGTERM", hung.url, outcome));
    expect(JSON.parse(plan.stdout()).error).toEqual({
      code: "INTERRUPTED",
      message: lines[0],
      signal: "SIGTERM",
    });
    expect(() => readFileSync(out)).toThrow();
  }, 30_000);
});

describe.concurrent("apply interrupted while the API never answers", () => {
  it("Ctrl-C: the line says what was under way; every row not attempted; table summary", async (t) => {
    const hung = await hungApi(t);
    const { dir, manifest, results } = workDir();
    const apply = cli(hung.url, ["apply", manifest, "--results", results], dir);
    await waitFor(() => hung.connections() > 0, "the first request");
    apply.child.kill("SIGINT");
    expect(await apply.exited).toBe(130);
    const lines = textLines(apply.stderr());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^interrupted by Ctrl-C \(SIGINT\) while waiting on the API at .* for its first answer \(.*\): no new request starts; the (request under way gets|\d+ requests under way get) 1 s, then (is|are) cut off \(Ctrl-C again to quit now\)$/,
    );
    expect(apply.stdout()).toMatch(
      /^Interrupted after: 0 created, 0 updated, 0 unchanged, 0 failed, 3 skipped in .*\.\n$/,
    );
    const rows = readResults(results);
    expect(rows.map((r) => [r.clientKey, r.status, r.error])).toEqual(
      ["in-1", "in-2", "in-3"].map((key) => [
        key,
        "skipped",
        "not attempted: the apply was interrupted; run the same command again",
      ]),
    );
    expect(apply.stderr()).not.toMatch(STACK);
  }, 30_000);

  it("a second Ctrl-C: it says what it cuts off; the JSON summary says interrupted", async (t) => {
    const hung = await hungApi(t);
    const { dir, manifest, results } = workDir();
    const apply = cli(hung.url, ["apply", manifest, "--results", results, "--format", "json"], dir);
    await waitFor(() => hung.connections() > 0, "the first request");
    apply.child.kill("SIGINT");
    await waitFor(() => apply.stderr().includes("interrupted by"), "the line of the signal");
    apply.child.kill("SIGINT");
    expect(await apply.exited).toBe(130);
    const lines = textLines(apply.stderr());
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^interrupted by Ctrl-C \(SIGINT\) while waiting on the API at /);
    expect(lines[1]).toMatch(
      /^interrupted again by Ctrl-C \(SIGINT\): the (request under way is|\d+ requests under way are) cut off now$/,
    );
    expect(JSON.parse(apply.stdout())).toMatchObject({ skipped: 3, interrupted: true });
    expect(readResults(results).every((r) => r.status === "skipped")).toBe(true);
  }, 30_000);
});

describe("apply interrupted while its writes hang (the API answered its lookups)", () => {
  it("the line names the requests under way and the oldest of them", async (t) => {
    const emulator = await startEmulator({ port: 0 });
    t.onTestFinished(() => emulator.close());
    const proxy = await startFaultProxy(emulator.url, (req) => (isRead(req) ? "forward" : "hang"));
    t.onTestFinished(() => proxy.close());
    const { dir, manifest, results } = workDir();
    const args = ["apply", manifest, "--results", results, "--concurrency", "2"];
    const apply = cli(proxy.url, args, dir);
    await waitFor(() => proxy.hung() >= 2, "two writes under way");
    apply.child.kill("SIGINT");
    expect(await apply.exited).toBe(130);
    expect(textLines(apply.stderr())).toEqual([
      expect.stringMatching(
        /^interrupted by Ctrl-C \(SIGINT\) while waiting on the API at .* for 2 requests under way \(the oldest POST \/api\/v2\/runs, sent \d+\.\d s ago\): no new request starts; the 2 requests under way get 1 s, then are cut off \(Ctrl-C again to quit now\)$/,
      ),
    ]);
    expect(readResults(results).every((r) => r.status === "skipped")).toBe(true);
  }, 30_000);
});

describe.concurrent("interrupted while a large manifest is validated", () => {
  /**
   * 300,000 rows; the first and the last hold a tags cell with a "," (a warning, logged as the
   * row is read). The first warning says the reading began; the last one never appears when
   * the signal stopped the reading between batches (it was read to its end before).
   */
  const ROWS = 300_000;
  function bigManifest(prefix: string) {
    const rows = Array.from({ length: ROWS }, (_, i) => `${prefix}-${i},Run ${i},`);
    rows[0] = `${prefix}-0,Run 0,"first,warning"`;
    rows[ROWS - 1] = `${prefix}-${ROWS - 1},Run last,"last,warning"`;
    const work = workDir(rows);
    // A second manifest, after the large one: never reached.
    writeFileSync(join(work.dir, "z-later.csv"), `clientKey,name\n${prefix}-later,Later\n`);
    return work;
  }
  const lastLine = `runs.csv:${ROWS + 1}`;
  const READ_STOP =
    "not attempted: the apply was interrupted while reading the manifests; run the same command again";

  it("plan: stops before the end of the manifest, says so, sends nothing", async (t) => {
    const hung = await hungApi(t);
    const { dir, manifest } = bigManifest("bigp");
    const run = cli(hung.url, ["plan", manifest, "--format", "json"], dir);
    await waitFor(() => run.stderr().includes("first,warning"), "the reading of the manifest");
    run.child.kill("SIGINT");
    expect(await run.exited).toBe(130);
    expect(run.stderr()).not.toContain(lastLine);
    expect(hung.connections()).toBe(0);
    const lines = textLines(run.stderr());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^interrupted by Ctrl-C \(SIGINT\) while reading the manifests: /);
    const doc = JSON.parse(run.stdout()) as Record<string, unknown>;
    expect(doc.error).toMatchObject({ code: "INTERRUPTED", message: lines[0] });
  }, 60_000);

  it("apply (SIGTERM): every row read is in the results as skipped; the summary says where reading stopped", async (t) => {
    const hung = await hungApi(t);
    const { dir, results } = bigManifest("bigr");
    // Relative paths: the summary names the files as given.
    const args = ["apply", "runs.csv", "z-later.csv", "--results", results, "--format", "json"];
    const run = cli(hung.url, args, dir);
    await waitFor(() => run.stderr().includes("first,warning"), "the reading of the manifest");
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(143);
    expect(run.stderr()).not.toContain(lastLine);
    expect(hung.connections()).toBe(0);
    const lines = textLines(run.stderr());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^interrupted by SIGTERM while reading the manifests: /);
    // The rows read, in order from the first, each skipped with the reason; not the later file's.
    const rows = readResults(results);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(ROWS);
    rows.forEach((row, i) => {
      expect(row).toMatchObject({
        clientKey: `bigr-${i}`,
        action: "unplanned",
        status: "skipped",
        error: READ_STOP,
        source: `runs.csv:${i + 2}`,
      });
    });
    const doc = JSON.parse(run.stdout()) as Record<string, unknown> & {
      unread: { message: string; files: unknown[] };
    };
    expect(doc).toMatchObject({ created: 0, skipped: rows.length, interrupted: true });
    const stoppedAt = rows.length + 1; // the line of the last row read
    expect(doc.unread.files).toEqual([
      { path: "runs.csv", afterLine: stoppedAt },
      { path: "z-later.csv" },
    ]);
    expect(doc.unread.message).toBe(
      `Stopped while reading the manifests, before any request: nothing was written, and the runs read are counted as skipped; not read: runs.csv after line ${stoppedAt.toLocaleString("en-US")} and z-later.csv; run the same command again`,
    );
    expect(run.stderr()).not.toMatch(STACK);
  }, 60_000);

  it("apply (Ctrl-C, table): the summary counts the rows read and names where reading stopped", async (t) => {
    const hung = await hungApi(t);
    const { dir, results } = bigManifest("bigt");
    const run = cli(hung.url, ["apply", "runs.csv", "--results", results], dir);
    await waitFor(() => run.stderr().includes("first,warning"), "the reading of the manifest");
    run.child.kill("SIGINT");
    expect(await run.exited).toBe(130);
    const rows = readResults(results);
    expect(rows.length).toBeGreaterThan(0);
    const count = (n: number) => n.toLocaleString("en-US");
    expect(run.stdout()).toBe(
      `Interrupted after: 0 created, 0 updated, 0 unchanged, 0 failed, ${count(rows.length)} skipped in ${/\d+\.\d s/.exec(run.stdout())![0]} (0 requests, 0 retries). Stopped while reading the manifests, before any request: nothing was written, and the runs read are counted as skipped; not read: runs.csv after line ${count(rows.length + 1)}; run the same command again.\n`,
    );
    expect(hung.connections()).toBe(0);
  }, 60_000);
});

describe("apply --plan interrupted while it reads a large saved plan", () => {
  it("lists every change read as skipped, says where the reading stopped, sends nothing", async (t) => {
    const emulator = await startEmulator({ port: 0 });
    t.onTestFinished(() => emulator.close());
    // 30,000 creates: a plan file read for about a second, one change a line from the second.
    const rows = Array.from({ length: 30_000 }, (_, i) => `rp-${i},Run ${i},`);
    const { dir, results } = workDir(rows);
    const env = { SIFT_REST_URI: emulator.url, SIFT_API_KEY: "local", ...SCALED };
    const made = spawnCli(["plan", "runs.csv", "--out", "plan.json"], env, dir);
    expect(await made.exited).toBe(0);
    const size = statSync(join(dir, "plan.json")).size;
    const args = ["apply", "--plan", "plan.json", "--results", results, "--format", "json"];
    /** The apply, signalled once its private copy of the plan is whole (the reading began). */
    const stopped = async () => {
      emulator.resetStats();
      // Its own TMPDIR: the private copy of the plan appearing there says the reading began.
      const tmp = mkdtempSync(join(tmpdir(), "srs-plan-tmp-"));
      const run = spawnCli(args, { ...env, TMPDIR: tmp }, dir);
      const copied = () => {
        const copy = readdirSync(tmp).find((n) => n.startsWith("sift-run-sync-plan-"));
        return (
          copy !== undefined &&
          statSync(join(tmp, copy, "plan.json"), { throwIfNoEntry: false })?.size === size
        );
      };
      await waitFor(copied, "the whole copy");
      run.child.kill("SIGTERM");
      expect(await run.exited).toBe(143);
      expect(emulator.stats().total).toBe(0);
      return run;
    };
    // NOTE: the signal may land before the first change is read (a loaded machine): then none is
    // listed, and the run is tried again; a listing that never lists any fails the third time.
    let run = await stopped();
    for (let tries = 1; tries < 3 && readResults(results).length === 0; tries++)
      run = await stopped();
    const lines = textLines(run.stderr());
    expect(lines).toEqual([
      "interrupted by SIGTERM while reading the saved plan plan.json: no new request starts (Ctrl-C again to quit now)",
    ]);
    const listed = readResults(results);
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.length).toBeLessThan(rows.length);
    listed.forEach((row, i) => {
      expect(row).toMatchObject({
        clientKey: `rp-${i}`,
        action: "create",
        status: "skipped",
        error:
          "not attempted: the apply was interrupted while reading the saved plan; run the same command again",
        source: `runs.csv:${i + 2}`,
      });
    });
    const doc = JSON.parse(run.stdout()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      skipped: listed.length,
      interrupted: true,
      unread: {
        files: [
          listed.length > 0
            ? { path: "plan.json", afterLine: listed.length + 1 }
            : { path: "plan.json" },
        ],
        of: "plan",
      },
    });
  }, 60_000);
});
