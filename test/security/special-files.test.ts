import { execFileSync, spawn } from "node:child_process";
import { symlinkSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { useEmulator } from "../helpers/emulator.js";
import { BIN, spawnCli } from "../reliability/support/processes.js";
import { cli, workspace } from "./support.js";

/**
 * What is not a regular file is never opened by surprise (issue 18.3): in a manifest directory
 * a FIFO, a device or a socket is skipped with a note (opening a FIFO waits for a writer: the
 * nightly job would hang); a FIFO named as a path is read once, as a stream (`plan <(generate)`);
 * a pseudo-file of /proc, /sys or /dev (regular to `stat`) is refused by its real path, also
 * through a symlink, so `/proc/self/environ` (the process's environment, its API key among it)
 * is never read as a manifest.
 */
const emulator = useEmulator();
const env = () => ({ SIFT_REST_URI: emulator().url, SIFT_API_KEY: "local" });
const RUNS = "clientKey,name\nsp-1,Special 1\n";

const servers: Server[] = [];
afterAll(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

/** A socket file at `path` (a server listening on it). */
function socketAt(path: string): Promise<void> {
  const server = createServer();
  servers.push(server);
  return new Promise((resolve) => server.listen(path, () => resolve()));
}

describe("a manifest directory", () => {
  it("skips a FIFO, a socket and a device with a note each, never opening them", async () => {
    const { manifests } = workspace({ "runs.csv": RUNS });
    execFileSync("mkfifo", [join(manifests, "pipe.csv")]);
    await socketAt(join(manifests, "sock.csv"));
    symlinkSync("/dev/zero", join(manifests, "zero.csv"));
    // Before: validate opened pipe.csv and waited for a writer, for ever.
    const run = await cli(["validate", manifests], {});
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `${join(manifests, "runs.csv")}: 1 run\nvalid: 1 file, 1 run, 0 errors\n`,
    );
    expect(run.stderr).toContain(
      `note: ${join(manifests, "pipe.csv")}: skipped, a FIFO (named pipe), not a regular file: never opened`,
    );
    expect(run.stderr).toContain(`note: ${join(manifests, "sock.csv")}: skipped, a socket`);
    expect(run.stderr).toContain(`note: ${join(manifests, "zero.csv")}: skipped, a device`);

    const planned = await cli(["plan", manifests, "--format", "json"], env());
    expect(planned.code).toBe(0);
    expect(JSON.parse(planned.stdout).summary.create).toBe(1);
    expect(planned.stderr).toContain("pipe.csv: skipped, a FIFO");
  });

  it("refuses a symlink into /proc, never reading it", async () => {
    const { manifests } = workspace({ "runs.csv": RUNS });
    symlinkSync("/proc/self/environ", join(manifests, "env.csv"));
    const marker = "MARKER_Vq7Zr2Kp";
    const run = await cli(["validate", manifests], { SECRET_MARKER: marker });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /env\.csv: refused, never read: a pseudo-file of the kernel under \/proc \(it resolves to \/proc\/\d+\/environ\)/,
    );
    expect(run.stdout + run.stderr).not.toContain(marker);
  });
});

describe("a path named on the command line", () => {
  it("a FIFO is read once, as a stream: validate and plan <(generate) work", async () => {
    const { dir } = workspace({});
    const shell = (args: string) =>
      spawnCli(["-c", `exec "${process.execPath}" "${BIN}" ${args}`], env(), dir, "bash");
    const validated = shell(`validate <(printf '${RUNS.replace(/\n/g, "\\n")}')`);
    expect(await validated.exited, validated.stderr()).toBe(0);
    expect(validated.stdout()).toMatch(/^\/dev\/fd\/\d+: 1 run\nvalid: 1 file, 1 run, 0 errors\n$/);

    const yaml = "- clientKey: sp-yaml\\n  name: From YAML\\n";
    const planned = shell(`plan --format json --stdin-format yaml <(printf -- '${yaml}')`);
    expect(await planned.exited).toBe(0);
    const plan = JSON.parse(planned.stdout());
    expect(plan.changes.map((c: { clientKey: string }) => c.clientKey)).toEqual(["sp-yaml"]);
    expect(plan.changes[0].source).toMatch(/^\/dev\/fd\/\d+:1$/);
  });

  it("a named FIFO (mkfifo runs.csv) is read once by its name's format, and applied", async () => {
    const { dir } = workspace({});
    const fifo = join(dir, "runs.yaml");
    execFileSync("mkfifo", [fifo]);
    // A writer that writes once and goes: the CLI must not open the FIFO a second time.
    const writer = spawn("sh", [
      "-c",
      `printf -- '- clientKey: sp-fifo\\n  name: F\\n' > "${fifo}"`,
    ]);
    const run = await cli(["apply", fifo, "--format", "json"], env());
    writer.kill();
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).created).toBe(1);
    expect(
      emulator()
        .runs()
        .some((r) => r.clientKey === "sp-fifo"),
    ).toBe(true);
  });

  it.each([
    [
      "/proc/self/environ",
      /\/proc\/self\/environ: refused, never read: a pseudo-file of the kernel under \/proc/,
    ],
    ["/dev/zero", /\/dev\/zero: refused, never opened: a device, not a manifest file/],
  ])("%s is refused", async (path, message) => {
    const run = await cli(["validate", path], {});
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(message);
  });

  it("a symlink with a manifest's name into /proc or /sys is refused by where it leads", async () => {
    const { dir } = workspace({});
    const links = {
      "environ.csv": "/proc/self/environ",
      "status.yaml": "/proc/self/status",
      "kernel.csv": "/sys/kernel/mm/transparent_hugepage/enabled",
    };
    for (const [name, target] of Object.entries(links)) {
      symlinkSync(target, join(dir, name));
      const run = await cli(["validate", join(dir, name)], { SECRET_MARKER: "MARKER_Vq7Zr2Kp" });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`${join(dir, name)}: refused, never read: a pseudo-file`);
      expect(run.stderr).not.toContain("MARKER_Vq7Zr2Kp");
    }
  });

  it("a symlink loop says so (ELOOP)", async () => {
    const { dir } = workspace({});
    const loop = join(dir, "loop.csv");
    symlinkSync(loop, loop);
    const run = await cli(["validate", loop], {});
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `error: ${loop}: a symlink loop (ELOOP): following its links leads back to them, never to a file\n`,
    );
  });

  it("a socket is refused", async () => {
    const { dir } = workspace({});
    const path = join(dir, "sock.csv");
    await socketAt(path);
    const run = await cli(["validate", path], {});
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${path}: refused, never opened: a socket`);
  });
});

describe("validate's stdout shows file names escaped, as stderr and the reports do", () => {
  it("terminal escapes, line breaks and direction overrides in a name", async () => {
    const names = ["clear\u001b[2Jscreen.csv", "line\nbreak.csv", "evil\u202etxt.csv"];
    const { manifests } = workspace(
      Object.fromEntries(names.map((n) => [n, RUNS.replace("sp-1", n.slice(0, 4))])),
    );
    const run = await cli(["validate", manifests], {});
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("clear\\u001b[2Jscreen.csv: 1 run");
    expect(run.stdout).toContain("line\\nbreak.csv: 1 run");
    expect(run.stdout).toContain("evil\\u202etxt.csv: 1 run");
    expect(run.stdout).not.toMatch(/[\u001b\u202e]/);
    expect(run.stdout.split("\n")).toHaveLength(5); // 3 files, the verdict, the final newline
  });
});
