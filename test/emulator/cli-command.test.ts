import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { callApi } from "../helpers/emulator.js";
import { captureIo } from "../helpers/io.js";

/** Waits for the first stdout line of `child`. */
async function firstLine(child: ChildProcess): Promise<string> {
  let out = "";
  for await (const chunk of child.stdout!) {
    out += chunk;
    if (out.includes("\n")) return out.split("\n")[0]!;
  }
  throw new Error(`no output; stderr: ${child.stderr?.read()}`);
}

describe("sift-run-sync emulator", () => {
  it("starts, answers as documented, and stops cleanly on SIGINT", async () => {
    const child = spawn(
      process.execPath,
      ["bin/sift-run-sync.js", "emulator", "--port", "0", "--seed", "fixtures/seed-demo.yaml"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout.setEncoding("utf8");
    const exited = once(child, "exit");
    try {
      const line = await firstLine(child);
      const url = /^Sift emulator listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line)?.[1];
      expect(url, line).toBeDefined();
      const runs = await callApi({ url: url! }, "GET", "/api/v2/runs");
      expect(runs.status).toBe(200);
      expect(runs.body.runs.length).toBeGreaterThanOrEqual(5);
      const unauthorized = await callApi({ url: url! }, "GET", "/api/v2/runs", undefined, {});
      expect(unauthorized.status).toBe(401);
    } finally {
      child.kill("SIGINT");
    }
    const [code] = await exited;
    expect(code).toBe(0);
  });

  it("stops cleanly on SIGTERM sent the moment the URL is printed", async () => {
    const child = spawn(process.execPath, ["bin/sift-run-sync.js", "emulator", "--port", "0"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.setEncoding("utf8");
    const exited = once(child, "exit");
    await firstLine(child);
    child.kill("SIGTERM");
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  });

  it("exits 1 with a message for bad flag values", async () => {
    for (const args of [
      ["--port", "70000"],
      ["--fault-rate", "1.5"],
      ["--latency", "-5"],
      ["--rps", "0"],
      ["--fault-kinds", "meteor"],
      ["--state-sync", "sometimes"],
    ]) {
      const io = captureIo();
      expect(await main(["emulator", ...args], io), args.join(" ")).toBe(1);
      expect(io.err()).toMatch(/invalid|expected/);
    }
  });

  it("exits 1 with a message for a seed that cannot be read", async () => {
    const io = captureIo();
    expect(await main(["emulator", "--seed", "fixtures/no-such-seed.yaml"], io)).toBe(1);
    expect(io.err()).toMatch(/no-such-seed/);
  });

  it("runs in-process until interrupted", async () => {
    let interrupt: ((signal: "SIGINT") => void) | undefined;
    const io = {
      ...captureIo(),
      onInterrupt: (handler: (signal: "SIGINT") => void) => {
        interrupt = handler;
        return () => {
          interrupt = undefined;
        };
      },
    };
    const done = main(["emulator", "--port", "0"], io);
    while (!io.out().includes("\n")) await new Promise((r) => setTimeout(r, 10));
    const url = io.out().trim().replace("Sift emulator listening on ", "");
    expect((await callApi({ url }, "GET", "/api/v1/assets")).status).toBe(200);
    interrupt!("SIGINT");
    expect(await done).toBe(0);
  });
});
