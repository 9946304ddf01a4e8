import { describe, expect, it } from "vitest";
import { callApi } from "../helpers/emulator.js";
import { manifestDir, runCli, useEmulator } from "./harness.js";

const emulator = useEmulator();

/** The messages of the pino JSON lines on stderr that start with `prefix`. */
function messages(stderr: string, prefix: string): string[] {
  return stderr
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => (JSON.parse(line) as { msg: string }).msg)
    .filter((msg) => msg.startsWith(prefix));
}

describe("the sync cache's closing line", () => {
  // First in this file: the organization has no runs yet.
  it("names no cache file while the organization has none (its file is named by its first runs)", async () => {
    const dir = manifestDir({ "runs.csv": "clientKey,name\nnote-0,A\n" });
    const first = await runCli(emulator(), ["plan", "runs.csv", "--log-level", "info"], dir);
    expect(messages(first.stderr, "full refresh:")).toEqual([
      expect.stringMatching(
        /^full refresh: no sync cache yet \(the organization has no runs yet; .*\.sift-run-sync\)$/,
      ),
    ]);
  });

  it("counts rows and runs in words that agree with the count", async () => {
    const dir = manifestDir({ "runs.csv": "clientKey,name\nnote-a,A\nnote-b,B\n" });
    expect((await runCli(emulator(), ["apply", "runs.csv"], dir)).code).toBe(0);
    const listed = await callApi(
      emulator(),
      "GET",
      "/api/v2/runs?filter=" + encodeURIComponent("client_key == 'note-b'"),
    );
    const runId = (listed.body as { runs: Array<{ runId: string }> }).runs[0]!.runId;
    const edit = await callApi(emulator(), "PATCH", "/api/v2/runs", {
      run: { runId, name: "edited in the UI" },
      updateMask: "name",
    });
    expect(edit.status).toBe(200);

    const one = await runCli(emulator(), ["plan", "runs.csv", "--log-level", "info"], dir);
    expect(one.code).toBe(0);
    expect(messages(one.stderr, "sync cache:")).toEqual([
      "sync cache: 1 row known in sync (not looked up); 1 run changed in Sift since the last sync",
    ]);

    expect((await runCli(emulator(), ["apply", "runs.csv"], dir)).code).toBe(0);
    const two = await runCli(emulator(), ["plan", "runs.csv", "--log-level", "info"], dir);
    expect(messages(two.stderr, "sync cache:")).toEqual([
      "sync cache: 2 rows known in sync (not looked up); 0 runs changed in Sift since the last sync",
    ]);
  });

  it("--refresh-every 0s is refused as zero, pointing to --refresh full", async () => {
    const dir = manifestDir({ "runs.csv": "clientKey,name\nnote-z,Z\n" });
    const zero = await runCli(emulator(), ["plan", "runs.csv", "--refresh-every", "0s"], dir);
    expect(zero.code).toBe(1);
    expect(zero.stderr).toContain(
      'expected a duration above zero such as 90s, 15m, 12h or 7d, got "0s" (--refresh full reads every run once)',
    );
    const word = await runCli(emulator(), ["plan", "runs.csv", "--refresh-every", "weekly"], dir);
    expect(word.stderr).toContain('got "weekly"');
    expect(word.stderr).not.toContain("--refresh full");
  });
});
